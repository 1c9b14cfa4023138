package io.sessionizer.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.X509TrustManager;
import org.apache.kafka.common.utils.Utils;

/**
 * One test CA of {@link TlsTestFiles} with a server certificate for {@code localhost} and {@code 127.0.0.1} and a
 * client certificate, as PEM files in a directory of their own: what a TLS port ({@code tls.cert-file},
 * {@code tls.key-file}), a client that must trust it ({@code ssl.truststore.type=PEM}) and a client-certificate check
 * need, shared by the tests of a JVM that run one secured stack.
 */
public final class TestCertificates {
    private static TestCertificates shared;

    private final TlsTestFiles pki;
    private final TlsTestFiles.Issued server;
    private final TlsTestFiles.Issued client;

    private TestCertificates(TlsTestFiles pki) {
        this.pki = pki;
        this.server = pki.server("server");
        this.client = pki.client("client");
    }

    /** The certificates shared by every test of this JVM, in a temporary directory deleted when the JVM exits. */
    public static synchronized TestCertificates shared() {
        if (shared == null) {
            try {
                Path dir = Files.createTempDirectory("sessionizer-test-certs-");
                shared = create(dir);
                Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteQuietly(dir), "test-certificates-delete"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return shared;
    }

    /** A new CA with its server and client certificates, written into {@code dir} (which the caller owns). */
    public static TestCertificates create(Path dir) {
        try {
            return new TestCertificates(TlsTestFiles.create(Files.createDirectories(dir), "sessionizer-test"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The CA's certificate: what a client trusts. */
    public Path caFile() {
        return pki.caFile();
    }

    public X509Certificate caCertificate() {
        return pki.ca();
    }

    /** The server's certificate for {@code localhost} and the loopback address, followed by the CA's. */
    public TlsTestFiles.Issued server() {
        return server;
    }

    /** A client certificate (extended key usage clientAuth). */
    public TlsTestFiles.Issued client() {
        return client;
    }

    /** A TLS context that trusts the CA (and nothing else), for the JDK's HTTP client. */
    public SSLContext clientSslContext() {
        return pki.clientSslContext();
    }

    /** A trust manager that trusts the CA (and nothing else). */
    public X509TrustManager trustManager() {
        return pki.trustManager();
    }

    private static void deleteQuietly(Path dir) {
        try {
            Utils.delete(dir.toFile());
        } catch (IOException e) {
            // The JVM is exiting; a leftover temporary directory is all that is lost.
        }
    }
}
