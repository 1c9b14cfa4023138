package io.sessionizer.tls;

import com.linecorp.armeria.common.TlsKeyPair;
import io.sessionizer.config.ConfigException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/** Reads PEM files: certificate bundles, and a certificate chain with its private key, checked to belong together. */
final class Pem {
    private static final byte[] PROBE = "sessionizer key pair check".getBytes(StandardCharsets.US_ASCII);

    private Pem() {
    }

    /**
     * Every certificate of a PEM bundle.
     *
     * @throws ConfigException naming the setting and the file when it cannot be read or holds no certificate
     */
    static List<X509Certificate> certificates(Path file, String settingName) {
        try {
            List<X509Certificate> certificates = certificates(Files.readAllBytes(file));
            if (certificates.isEmpty()) {
                throw new ConfigException(settingName + ": no certificate in " + file);
            }
            return certificates;
        } catch (IOException | CertificateException e) {
            throw new ConfigException(settingName + ": cannot read the certificates of " + file + ": "
                    + e.getMessage());
        }
    }

    static List<X509Certificate> certificates(byte[] pem) throws CertificateException {
        Collection<? extends Certificate> read = CertificateFactory.getInstance("X.509")
                .generateCertificates(new ByteArrayInputStream(pem));
        List<X509Certificate> certificates = new ArrayList<>();
        for (Certificate certificate : read) {
            certificates.add((X509Certificate) certificate);
        }
        return certificates;
    }

    /**
     * The key pair of a PEM certificate chain and a PEM private key.
     *
     * @throws IllegalArgumentException saying what is wrong (never quoting the key) when they do not load or the key
     *     is not the certificate's
     */
    static TlsKeyPair keyPair(byte[] certificatePem, byte[] keyPem) {
        List<X509Certificate> chain;
        try {
            chain = certificates(certificatePem);
        } catch (CertificateException e) {
            throw new IllegalArgumentException("the certificate file is not a PEM certificate chain: "
                    + e.getMessage());
        }
        if (chain.isEmpty()) {
            throw new IllegalArgumentException("the certificate file holds no certificate");
        }
        TlsKeyPair pair;
        try {
            pair = TlsKeyPair.of(new ByteArrayInputStream(keyPem), new ByteArrayInputStream(certificatePem));
        } catch (RuntimeException e) {
            // The message of a key parser may quote what it read: say only what kind of failure it was.
            throw new IllegalArgumentException("the key file is not an unencrypted PEM private key (PKCS#8) ("
                    + e.getClass().getSimpleName() + ")");
        }
        if (!matches(pair.privateKey(), chain.get(0).getPublicKey())) {
            throw new IllegalArgumentException("the private key is not the key of the certificate "
                    + chain.get(0).getSubjectX500Principal().getName());
        }
        return pair;
    }

    /**
     * Signs a probe with the private key and checks it with the certificate's public key. The key's algorithm name
     * depends on the parser (BouncyCastle, when present, names EC keys ECDSA), so the certificate's decides.
     */
    private static boolean matches(PrivateKey privateKey, PublicKey publicKey) {
        String algorithm = switch (publicKey.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC", "ECDSA" -> "SHA256withECDSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            case "Ed448" -> "Ed448";
            default -> null;
        };
        if (algorithm == null) {
            // A kind of key this check does not know: the handshake will tell.
            return true;
        }
        try {
            // Through the JDK's own key type, so that the JDK's signature takes it whichever parser made it.
            PrivateKey key = KeyFactory.getInstance(publicKey.getAlgorithm())
                    .generatePrivate(new PKCS8EncodedKeySpec(privateKey.getEncoded()));
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(PROBE);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(publicKey);
            verifier.update(PROBE);
            return verifier.verify(signature);
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }
}
