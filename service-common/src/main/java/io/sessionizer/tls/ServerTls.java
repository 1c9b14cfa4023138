package io.sessionizer.tls;

import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.ClientTlsConfig;
import com.linecorp.armeria.common.TlsKeyPair;
import com.linecorp.armeria.common.TlsProvider;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.ServerTlsConfig;
import io.sessionizer.config.Config;
import io.sessionizer.config.ConfigException;
import io.sessionizer.config.Setting;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The TLS of a service's listening ports, from the {@code tls.*} settings: off (plain ports) when no certificate is
 * configured; else every port given to {@link #listen} serves TLS only, with the certificate and key re-read every
 * {@code tls.reload-interval} when their bytes changed. A pair that fails to load, or whose key is not the
 * certificate's, keeps the previous one in service and logs one ERROR (never key material). New connections get the
 * new certificate; open ones keep theirs.
 */
public final class ServerTls implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ServerTls.class);
    private static final Duration MIN_RELOAD_INTERVAL = Duration.ofMillis(100);

    private final Path certFile;
    private final Path keyFile;
    private final ClientAuth clientAuth;
    private final List<X509Certificate> clientCas;
    private final ScheduledExecutorService reloader;
    private final Provider provider = new Provider();
    private final List<ClientFactory> clientFactories = new CopyOnWriteArrayList<>();
    private volatile TlsKeyPair keyPair;
    /** The digest of the files last read, good or bad, so that a bad pair is reported once, not at every check. */
    private byte[] lastDigest;
    /** The last problem reported for files that cannot be read, reported again only when it changes. */
    private String lastProblem;

    private ServerTls(Path certFile, Path keyFile, ClientAuth clientAuth, List<X509Certificate> clientCas,
            Duration reloadInterval) {
        this.certFile = certFile;
        this.keyFile = keyFile;
        this.clientAuth = clientAuth;
        this.clientCas = clientCas;
        if (certFile == null) {
            this.reloader = null;
            return;
        }
        PairBytes pair = read();
        try {
            this.keyPair = Pem.keyPair(pair.certificate, pair.key);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(TlsSettings.CERT_FILE.name() + " " + certFile + " and "
                    + TlsSettings.KEY_FILE.name() + " " + keyFile + ": " + e.getMessage());
        }
        this.lastDigest = pair.digest();
        LOG.info("TLS on: serving {} (client certificates: {})", describe(keyPair), clientAuth.text());
        this.reloader = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "tls-reload");
            thread.setDaemon(true);
            return thread;
        });
        long millis = reloadInterval.toMillis();
        reloader.scheduleWithFixedDelay(this::reload, millis, millis, TimeUnit.MILLISECONDS);
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

    public ClientAuth clientAuth() {
        return clientAuth;
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
                return clientAuth == ClientAuth.REQUIRE ? keyPair : null;
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
    synchronized void reload() {
        try {
            PairBytes pair = read();
            if (Arrays.equals(pair.digest(), lastDigest)) {
                return;
            }
            lastDigest = pair.digest();
            lastProblem = null;
            TlsKeyPair loaded = Pem.keyPair(pair.certificate, pair.key);
            keyPair = loaded;
            LOG.info("TLS certificate reloaded: now serving {}", describe(loaded));
        } catch (IllegalArgumentException | ConfigException e) {
            problem(e.getMessage());
        } catch (RuntimeException e) {
            problem(e.getClass().getSimpleName());
        }
    }

    private void problem(String problem) {
        if (!problem.equals(lastProblem)) {
            lastProblem = problem;
            LOG.error("TLS certificate not reloaded, still serving {}: {}", describe(keyPair), problem);
        }
    }

    /** The certificate served now. */
    X509Certificate certificate() {
        return keyPair.certificateChain().get(0);
    }

    private PairBytes read() {
        byte[] certificate;
        byte[] key;
        try {
            certificate = Files.readAllBytes(certFile);
        } catch (IOException e) {
            throw new ConfigException(TlsSettings.CERT_FILE.name() + ": cannot read " + certFile + ": " + e);
        }
        try {
            key = Files.readAllBytes(keyFile);
        } catch (IOException e) {
            throw new ConfigException(TlsSettings.KEY_FILE.name() + ": cannot read " + keyFile + ": " + e);
        }
        return new PairBytes(certificate, key);
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
        if (reloader != null) {
            reloader.shutdownNow();
        }
    }

    /** The bytes of both files as read at one check. */
    private record PairBytes(byte[] certificate, byte[] key) {
        byte[] digest() {
            try {
                MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
                sha256.update(certificate);
                sha256.update((byte) 0);
                return sha256.digest(key);
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("SHA-256 is not available", e);
            }
        }
    }

    /** The server side: the current pair for every host name, the client CAs as trust. */
    private final class Provider implements TlsProvider {
        @Override
        public TlsKeyPair keyPair(String hostname) {
            return keyPair;
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
