package io.sessionizer.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import org.apache.kafka.common.utils.Utils;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A certificate authority made at test time and the certificates it signed: a server certificate for
 * {@code localhost} and {@code 127.0.0.1} and a client certificate, each with its private key, written as PEM files
 * into a directory of their own: what a TLS port ({@code tls.cert-file}, {@code tls.key-file}), a client that must
 * trust it ({@code ssl.truststore.type=PEM}) and a client-certificate check need.
 *
 * <p>Keys are EC P-256, private keys unencrypted PKCS#8 ({@code BEGIN PRIVATE KEY}), which Netty, the JDK and Kafka's
 * {@code PEM} key store type all read. The certificates are valid from an hour ago for a day. BouncyCastle only
 * builds the certificates; it is not installed as a security provider, so the JVM's TLS stays the one under test.
 */
public final class TestCertificates {
    private static final String SIGNATURE = "SHA256withECDSA";
    private static TestCertificates shared;

    private final Path dir;
    private final X509Certificate ca;
    private final Issued server;
    private final Issued client;

    private TestCertificates(Path dir, X509Certificate ca, Issued server, Issued client) {
        this.dir = dir;
        this.ca = ca;
        this.server = server;
        this.client = client;
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
            Instant now = Instant.now();
            KeyPair caKeys = keyPair();
            X500Name caName = new X500Name("CN=Sessionizer Test CA");
            X509v3CertificateBuilder caBuilder = builder(caName, caName, caKeys, now)
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            X509Certificate ca = sign(caBuilder, caKeys);

            KeyPair serverKeys = keyPair();
            X509Certificate serverCert = sign(builder(caName, new X500Name("CN=localhost"), serverKeys, now)
                    .addExtension(Extension.authorityKeyIdentifier, false,
                            new JcaX509ExtensionUtils().createAuthorityKeyIdentifier(ca))
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
                    .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth))
                    .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                        new GeneralName(GeneralName.dNSName, "localhost"),
                        new GeneralName(GeneralName.iPAddress, "127.0.0.1")})), caKeys);

            KeyPair clientKeys = keyPair();
            X509Certificate clientCert = sign(builder(caName, new X500Name("CN=sessionizer-test-client"), clientKeys,
                    now)
                    .addExtension(Extension.authorityKeyIdentifier, false,
                            new JcaX509ExtensionUtils().createAuthorityKeyIdentifier(ca))
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
                    .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth)),
                    caKeys);

            Files.createDirectories(dir);
            Files.writeString(dir.resolve("ca.pem"), pem("CERTIFICATE", ca.getEncoded()));
            Issued server = Issued.write(dir, "server", serverCert, serverKeys, ca);
            Issued client = Issued.write(dir, "client", clientCert, clientKeys, ca);
            return new TestCertificates(dir, ca, server, client);
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException("Cannot make the test certificates", e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The directory of the PEM files. */
    public Path directory() {
        return dir;
    }

    /** The CA's certificate: what a client trusts ({@code ca.pem}). */
    public Path caFile() {
        return dir.resolve("ca.pem");
    }

    public X509Certificate caCertificate() {
        return ca;
    }

    /** The server's certificate for {@code localhost} and {@code 127.0.0.1}, followed by the CA's. */
    public Issued server() {
        return server;
    }

    /** A client certificate ({@code CN=sessionizer-test-client}, extended key usage clientAuth). */
    public Issued client() {
        return client;
    }

    /** A TLS context that trusts the CA (and nothing else), for the JDK's HTTP client. */
    public SSLContext clientSslContext() {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {trustManager()}, new SecureRandom());
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A trust manager that trusts the CA (and nothing else). */
    public X509TrustManager trustManager() {
        try {
            KeyStore trusted = KeyStore.getInstance("PKCS12");
            trusted.load(null, null);
            trusted.setCertificateEntry("sessionizer-test-ca", ca);
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(trusted);
            return (X509TrustManager) factory.getTrustManagers()[0];
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * One issued certificate and its key, as files: {@code <name>.pem} (the certificate then the CA's, the chain a
     * TLS server presents) and {@code <name>.key} (the unencrypted PKCS#8 private key).
     *
     * @param certificateChainPem the text of {@code certFile}
     * @param privateKeyPem the text of {@code keyFile}: a secret, that no log may show
     */
    public record Issued(X509Certificate certificate, Path certFile, Path keyFile, String certificateChainPem,
            String privateKeyPem) {
        static Issued write(Path dir, String name, X509Certificate certificate, KeyPair keys, X509Certificate ca)
                throws IOException, GeneralSecurityException {
            String chain = pem("CERTIFICATE", certificate.getEncoded()) + pem("CERTIFICATE", ca.getEncoded());
            String key = pem("PRIVATE KEY", keys.getPrivate().getEncoded());
            Path certFile = Files.writeString(dir.resolve(name + ".pem"), chain);
            Path keyFile = Files.writeString(dir.resolve(name + ".key"), key);
            return new Issued(certificate, certFile, keyFile, chain, key);
        }

        /** The base64 lines of the private key, without the PEM armour: what a log check looks for. */
        public List<String> privateKeyLines() {
            return privateKeyPem.lines().filter(l -> !l.startsWith("-----")).toList();
        }
    }

    private static KeyPair keyPair() throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        return generator.generateKeyPair();
    }

    private static X509v3CertificateBuilder builder(X500Name issuer, X500Name subject, KeyPair subjectKeys,
            Instant now) throws GeneralSecurityException, IOException {
        return new JcaX509v3CertificateBuilder(issuer, new BigInteger(64, new SecureRandom()),
                Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(1))), subject,
                subjectKeys.getPublic())
                .addExtension(Extension.subjectKeyIdentifier, false,
                        new JcaX509ExtensionUtils().createSubjectKeyIdentifier(subjectKeys.getPublic()));
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, KeyPair issuerKeys)
            throws OperatorCreationException, GeneralSecurityException {
        return new JcaX509CertificateConverter()
                .getCertificate(builder.build(new JcaContentSignerBuilder(SIGNATURE).build(issuerKeys.getPrivate())));
    }

    private static String pem(String type, byte[] der) {
        String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
        return "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n";
    }

    private static void deleteQuietly(Path dir) {
        try {
            Utils.delete(dir.toFile());
        } catch (IOException e) {
            // The JVM is exiting; a leftover temporary directory is all that is lost.
        }
    }
}
