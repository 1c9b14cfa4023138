package io.sessionizer.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
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
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A certificate authority made at test time, and PEM files of certificates it signs: servers for {@code localhost}
 * and {@code 127.0.0.1}, clients, each with a random serial so that a test can tell which one a server presents.
 */
public final class TlsTestFiles {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Duration VALIDITY = Duration.ofDays(2);

    private final Path dir;
    private final KeyPair caKeys;
    private final X509Certificate ca;
    private final Path caFile;

    /** A certificate written as PEM: the chain (the certificate, then the CA) and its PKCS#8 private key. */
    public record Issued(Path certFile, Path keyFile, X509Certificate certificate) {
        /** The text of {@link #certFile}: the chain a TLS server presents. */
        public String certificateChainPem() {
            return read(certFile);
        }

        /** The text of {@link #keyFile}: a secret that no log may show. */
        public String privateKeyPem() {
            return read(keyFile);
        }

        /** The base64 lines of the private key, without the PEM armour: what a log check looks for. */
        public List<String> privateKeyLines() {
            return privateKeyPem().lines().filter(line -> !line.startsWith("-----")).toList();
        }
    }

    private TlsTestFiles(Path dir, String caName) {
        this.dir = dir;
        this.caKeys = keys();
        X500Name name = new X500Name("CN=" + caName);
        X509v3CertificateBuilder builder = builder(name, name, caKeys);
        try {
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.ca = sign(builder, caKeys);
        this.caFile = dir.resolve(caName + "-ca.pem");
        write(caFile, pem("CERTIFICATE", encoded(ca)));
    }

    /** A new CA named {@code caName}, its certificate written to {@code dir}. */
    public static TlsTestFiles create(Path dir, String caName) {
        return new TlsTestFiles(dir, caName);
    }

    /** The CA's certificate as PEM, for a client's trust or {@code tls.client-ca-file}. */
    public Path caFile() {
        return caFile;
    }

    public X509Certificate ca() {
        return ca;
    }

    /** A server certificate (usable as a client certificate too) for localhost, as {@code <name>.pem}/{@code .key}. */
    public Issued server(String name) {
        return issue(name, true);
    }

    /** A client certificate, as {@code <name>.pem} and {@code <name>.key}. */
    public Issued client(String name) {
        return issue(name, false);
    }

    /** A TLS context that trusts this CA and nothing else, for the JDK's HTTP client. */
    public SSLContext clientSslContext() {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {trustManager()}, RANDOM);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A trust manager that trusts this CA and nothing else. */
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

    /** Replaces the files of {@code target} with those of {@code source}, each by an atomic move. */
    public static void replace(Issued target, Issued source) {
        try {
            Files.copy(source.keyFile(), target.keyFile().resolveSibling(target.keyFile().getFileName() + ".tmp"),
                    StandardCopyOption.REPLACE_EXISTING);
            Files.copy(source.certFile(), target.certFile().resolveSibling(target.certFile().getFileName() + ".tmp"),
                    StandardCopyOption.REPLACE_EXISTING);
            Files.move(target.keyFile().resolveSibling(target.keyFile().getFileName() + ".tmp"), target.keyFile(),
                    StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            Files.move(target.certFile().resolveSibling(target.certFile().getFileName() + ".tmp"), target.certFile(),
                    StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Issued issue(String name, boolean server) {
        KeyPair keys = keys();
        X509v3CertificateBuilder builder = builder(X500Name.getInstance(ca.getSubjectX500Principal().getEncoded()),
                new X500Name("CN=" + name), keys);
        try {
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            builder.addExtension(Extension.keyUsage, true,
                    new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
            builder.addExtension(Extension.extendedKeyUsage, false, server
                    ? new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth,
                            KeyPurposeId.id_kp_clientAuth})
                    : new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth));
            if (server) {
                builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                        new GeneralName(GeneralName.dNSName, "localhost"),
                        new GeneralName(GeneralName.iPAddress, "127.0.0.1")}));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        X509Certificate certificate = sign(builder, caKeys);
        Path certFile = dir.resolve(name + ".pem");
        Path keyFile = dir.resolve(name + ".key");
        write(certFile, pem("CERTIFICATE", encoded(certificate)) + pem("CERTIFICATE", encoded(ca)));
        write(keyFile, pem("PRIVATE KEY", keys.getPrivate().getEncoded()));
        return new Issued(certFile, keyFile, certificate);
    }

    private static X509v3CertificateBuilder builder(X500Name issuer, X500Name subject, KeyPair keys) {
        Instant now = Instant.now();
        return new JcaX509v3CertificateBuilder(issuer, new BigInteger(63, RANDOM).add(BigInteger.ONE),
                Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(VALIDITY)), subject, keys.getPublic());
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, KeyPair signer) {
        try {
            return new JcaX509CertificateConverter().getCertificate(
                    builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer.getPrivate())));
        } catch (OperatorCreationException | GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static KeyPair keys() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] encoded(X509Certificate certificate) {
        try {
            return certificate.getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void write(Path file, String text) {
        try {
            Files.writeString(file, text, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
