package io.sessionizer.tls;

import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.ClientTlsConfig;
import com.linecorp.armeria.common.TlsKeyPair;
import com.linecorp.armeria.common.TlsProvider;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.ServerTlsConfig;
import io.sessionizer.config.Config;
import io.sessionizer.config.ConfigException;
import io.sessionizer.config.ReloadingFile;
import io.sessionizer.config.Setting;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The TLS of a service's listening ports, from the {@code tls.*} settings: off (plain ports) when no certificate is
 * configured; else every port given to {@link #listen} serves TLS only, with the certificate and key re-read every
 * {@code tls.reload-interval} when their bytes changed. A pair that fails to load, or whose key is not the
 * certificate's, keeps the previous one in service and logs one ERROR (never key material), once the next check
 * reads the same pair: the two files are read one after the other, so one check may see a new certificate with the old
 * key halfway through a swap. New connections get the new certificate; open ones keep theirs.
 */
public final class ServerTls implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ServerTls.class);
    private static final Duration MIN_RELOAD_INTERVAL = Duration.ofMillis(100);

    private final Path certFile;
    private final ClientAuth clientAuth;
    private final List<X509Certificate> clientCas;
    /** The certificate and key in service; null with TLS off. */
    private final ReloadingFile<TlsKeyPair> pair;
    private final Provider provider = new Provider();
    private final List<ClientFactory> clientFactories = new CopyOnWriteArrayList<>();

    private ServerTls(Path certFile, Path keyFile, ClientAuth clientAuth, List<X509Certificate> clientCas,
            Duration reloadInterval) {
        this.certFile = certFile;
        this.clientAuth = clientAuth;
        this.clientCas = clientCas;
        if (certFile == null) {
            this.pair = null;
            return;
        }
        try {
            this.pair = new ReloadingFile<>(List.of(new ReloadingFile.Source(TlsSettings.CERT_FILE.name(), certFile),
                    new ReloadingFile.Source(TlsSettings.KEY_FILE.name(), keyFile)), reloadInterval,
                    contents -> Pem.keyPair(contents[0], contents[1]), ServerTls::describe);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(TlsSettings.CERT_FILE.name() + " " + certFile + " and "
                    + TlsSettings.KEY_FILE.name() + " " + keyFile + ": " + e.getMessage());
        }
        LOG.info("TLS on: serving {} (client certificates: {})", describe(pair.current()), clientAuth.text());
    }

    /**
     * The TLS the {@code tls.*} settings of {@code config} describe, its first certificate loaded.
     *
     * @throws ConfigException naming the setting when the settings disagree or a file does not load
     */
    public static ServerTls fromConfig(Config config) {
        String cert = config.get(TlsSettings.CERT_FILE).trim();
        String key = config.get(TlsSettings.KEY_FILE).trim();
        String clientCa = config.get(TlsSettings.CLIENT_CA_FILE).trim();
        ClientAuth clientAuth = config.get(TlsSettings.CLIENT_AUTH);
        Duration interval = config.get(TlsSettings.RELOAD_INTERVAL);
        if (cert.isEmpty() != key.isEmpty()) {
            Setting<String> missing = cert.isEmpty() ? TlsSettings.CERT_FILE : TlsSettings.KEY_FILE;
            Setting<String> given = cert.isEmpty() ? TlsSettings.KEY_FILE : TlsSettings.CERT_FILE;
            throw new ConfigException(missing.name() + " is required with " + given.name()
                    + ": TLS needs both the certificate and its key");
        }
        if (cert.isEmpty()) {
            if (!clientCa.isEmpty() || clientAuth != ClientAuth.NONE) {
                throw new ConfigException((clientCa.isEmpty() ? TlsSettings.CLIENT_AUTH : TlsSettings.CLIENT_CA_FILE)
                        .name() + " needs TLS: set " + TlsSettings.CERT_FILE.name() + " and "
                        + TlsSettings.KEY_FILE.name());
            }
            return new ServerTls(null, null, ClientAuth.NONE, List.of(), interval);
        }
        if (clientAuth != ClientAuth.NONE && clientCa.isEmpty()) {
            throw new ConfigException(TlsSettings.CLIENT_AUTH.name() + "=" + clientAuth.text() + " needs "
                    + TlsSettings.CLIENT_CA_FILE.name() + ": the authorities that sign client certificates");
        }
        if (interval.compareTo(MIN_RELOAD_INTERVAL) < 0) {
            throw new ConfigException(TlsSettings.RELOAD_INTERVAL.name() + " must be at least 100ms, got "
                    + interval);
        }
        List<X509Certificate> cas = clientCa.isEmpty() ? List.of()
                : Pem.certificates(Path.of(clientCa), TlsSettings.CLIENT_CA_FILE.name());
        return new ServerTls(Path.of(cert), Path.of(key), clientAuth, cas, interval);
    }

    public boolean enabled() {
        return certFile != null;
    }

    /** {@code https} with TLS on, else {@code http}. */
    public String scheme() {
        return enabled() ? "https" : "http";
    }

    /** Adds {@code port} to the server: TLS only when on, plain HTTP/1 and HTTP/2 otherwise. */
    public ServerBuilder listen(ServerBuilder server, int port) {
        if (!enabled()) {
            return server.http(port);
        }
        return server.https(port).tlsProvider(provider, ServerTlsConfig.builder()
                .clientAuth(clientAuth.netty())
                .build());
    }

    /**
     * The client factory for calls to the other instances of the service: trusting {@code peerCaFile} (empty: the
     * client CA file when set, else the JVM's trust store) and presenting this instance's own certificate when
     * client certificates are required. With TLS off, the default factory. {@link #close()} closes it.
     *
     * @param peerCaFile the value of {@link TlsSettings#PEER_CA_FILE}
     */
    public ClientFactory peerClientFactory(String peerCaFile) {
        if (!enabled()) {
            if (!peerCaFile.isBlank()) {
                throw new ConfigException(TlsSettings.PEER_CA_FILE.name() + " needs TLS: set "
                        + TlsSettings.CERT_FILE.name() + " and " + TlsSettings.KEY_FILE.name());
            }
            return ClientFactory.ofDefault();
        }
        List<X509Certificate> trusted = peerCaFile.isBlank() ? clientCas
                : Pem.certificates(Path.of(peerCaFile.trim()), TlsSettings.PEER_CA_FILE.name());
        TlsProvider peers = new TlsProvider() {
            @Override
            public TlsKeyPair keyPair(String hostname) {
                return clientAuth == ClientAuth.REQUIRE ? pair.current() : null;
            }

            @Override
            public List<X509Certificate> trustedCertificates(String hostname) {
                return trusted.isEmpty() ? null : trusted;
            }

            @Override
            public boolean autoClose() {
                return false;
            }
        };
        ClientFactory factory = ClientFactory.builder().tlsProvider(peers, ClientTlsConfig.builder().build()).build();
        clientFactories.add(factory);
        return factory;
    }

    /** Checks the files now, as the timer does; tests call it to skip the wait. */
    void reload() {
        pair.check();
    }

    /** The certificate served now. */
    X509Certificate certificate() {
        return pair.current().certificateChain().get(0);
    }

    private static String describe(TlsKeyPair pair) {
        X509Certificate certificate = pair.certificateChain().get(0);
        return "'" + certificate.getSubjectX500Principal().getName() + "' (serial "
                + certificate.getSerialNumber().toString(16) + ", valid until " + certificate.getNotAfter().toInstant()
                + ")";
    }

    @Override
    public void close() {
        clientFactories.forEach(ClientFactory::close);
        if (pair != null) {
            pair.close();
        }
    }

    /** The server side: the current pair for every host name, the client CAs as trust. */
    private final class Provider implements TlsProvider {
        @Override
        public TlsKeyPair keyPair(String hostname) {
            return pair.current();
        }

        @Override
        public List<X509Certificate> trustedCertificates(String hostname) {
            return clientCas.isEmpty() ? null : clientCas;
        }

        @Override
        public boolean autoClose() {
            // One provider serves several ports (the ingest's two); close() stops its timer.
            return false;
        }
    }
}
