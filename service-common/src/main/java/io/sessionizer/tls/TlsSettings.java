package io.sessionizer.tls;

import io.sessionizer.config.Setting;
import java.time.Duration;
import java.util.List;

/** The {@code tls.*} settings, the same in every service that listens; each service reads its own configuration. */
public final class TlsSettings {
    public static final Setting<String> CERT_FILE = Setting.string("tls.cert-file", "",
            "PEM file of the certificate chain every listening port of this service presents (server certificate "
                    + "first). With tls.key-file set, every port serves TLS only (https, gRPC over TLS); both empty "
                    + "serve plain text. Re-read when it changes (tls.reload-interval), without a restart.");
    public static final Setting<String> KEY_FILE = Setting.string("tls.key-file", "",
            "PEM file of the private key of tls.cert-file (PKCS#8, unencrypted: protect it with file permissions). "
                    + "Re-read with the certificate; a pair that does not load or match keeps the previous one.");
    public static final Setting<String> CLIENT_CA_FILE = Setting.string("tls.client-ca-file", "",
            "PEM bundle of the certificate authorities whose client certificates are accepted (tls.client-auth); "
                    + "needs tls.cert-file.");
    public static final Setting<ClientAuth> CLIENT_AUTH = Setting.of("tls.client-auth", "none", ClientAuth::parse,
            "Client-certificate authentication on the TLS ports: none; optional (a certificate presented must be "
                    + "valid); require (a client without a valid certificate is refused at the handshake). optional "
                    + "and require need tls.client-ca-file.");
    public static final Setting<Duration> RELOAD_INTERVAL = Setting.duration("tls.reload-interval", "30s",
            "How often tls.cert-file and tls.key-file are checked for a change (their bytes, so that a swapped "
                    + "symlink, as Kubernetes does with a Secret, is seen). At least 100ms.");
    /** The aggregator's only: the trust of its calls to the other instances. */
    public static final Setting<String> PEER_CA_FILE = Setting.string("tls.peer-ca-file", "",
            "PEM bundle of the certificate authorities trusted when this instance asks the others over https (with "
                    + "TLS on); empty trusts tls.client-ca-file when set, else the JVM's trust store. A peer's "
                    + "certificate must name the host of its application.server. With tls.client-auth=require the "
                    + "instance presents its own certificate (tls.cert-file), which then needs the clientAuth usage "
                    + "if it lists extended key usages.");

    private TlsSettings() {
    }

    /** The settings of a service's listening ports. */
    public static List<Setting<?>> settings() {
        return List.of(CERT_FILE, KEY_FILE, CLIENT_CA_FILE, CLIENT_AUTH, RELOAD_INTERVAL);
    }
}
