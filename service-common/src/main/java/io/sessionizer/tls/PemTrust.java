package io.sessionizer.tls;

import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The TLS of a JDK client ({@code java.net.http.HttpClient}) that trusts the certificates of a PEM bundle instead of
 * the JVM's trust store: what the tools set with a {@code *-ca-file} option to reach a service serving a private CA's
 * certificate.
 */
public final class PemTrust {
    private PemTrust() {
    }

    /**
     * An SSL context trusting every certificate of {@code pemFile}, host names checked as usual.
     *
     * @param settingName named in the error when the file does not load
     * @throws io.sessionizer.config.ConfigException when the file cannot be read or holds no certificate
     */
    public static SSLContext sslContext(Path pemFile, String settingName) {
        List<X509Certificate> certificates = Pem.certificates(pemFile, settingName);
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            for (int i = 0; i < certificates.size(); i++) {
                store.setCertificateEntry("trusted-" + i, certificates.get(i));
            }
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(store);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("Cannot set up TLS trusting " + pemFile, e);
        }
    }
}
