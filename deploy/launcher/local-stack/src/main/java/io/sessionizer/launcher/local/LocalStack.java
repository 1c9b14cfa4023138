package io.sessionizer.launcher.local;

import io.sessionizer.aggregator.AggregatorApp;
import io.sessionizer.aggregator.AggregatorSettings;
import io.sessionizer.aggregator.topology.SessionTopology;
import io.sessionizer.cli.Poll;
import io.sessionizer.config.Config;
import io.sessionizer.config.ConfigException;
import io.sessionizer.config.RegistrySettings;
import io.sessionizer.ingest.IngestServer;
import io.sessionizer.ingest.IngestSettings;
import io.sessionizer.localregistry.LocalSchemaRegistry;
import io.sessionizer.schemas.registry.InMemorySchemaRegistry;
import io.sessionizer.tls.PemTrust;
import io.sessionizer.tls.TlsSettings;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything of DESIGN.md "The local stack" on one machine: the KRaft broker as a child JVM, its topics, and the
 * Schema Registry, ingest and aggregator in this JVM. Started in dependency order and closed in the reverse one.
 *
 * <p>Supervised: a part that fails while starting fails the start at once, naming the part and the cause. Once
 * running, a broker that exits is started again on the same data directory and port (its clients reconnect), and an
 * aggregator whose Kafka Streams failed for good is replaced, each after a {@link RestartPolicy} backoff and logged in
 * one line with its cause. The registry and ingest have no failed state of their own: their Kafka clients reconnect,
 * and meanwhile the ingest answers 503 with {@code Retry-After}. The stack stops ({@link #failure()}) only when a part
 * keeps failing.
 */
public final class LocalStack implements AutoCloseable {
    /** The {@code sessionizer} command's main class, for tools that run {@code sessionizer local} in a child JVM. */
    public static final String LAUNCHER_MAIN_CLASS = "io.sessionizer.launcher.SessionizerCli";
    private static final Logger LOG = LoggerFactory.getLogger(LocalStack.class);
    private static final Duration BROKER_READY_TIMEOUT = Duration.ofSeconds(60);
    /** Generous: after a crash the aggregator may first restore its stores from their changelogs. */
    private static final Duration SERVICES_READY_TIMEOUT = Duration.ofSeconds(120);
    private static final Duration READY_POLL_INTERVAL = Duration.ofMillis(200);
    private static final Duration READY_REQUEST_TIMEOUT = Duration.ofSeconds(2);
    private static final String STATIC_MEMBER_ID = "sessionizer-local";

    /** Where the stack keeps its data and listens; port 0 picks a free port (not for Kafka). */
    public record Options(Path dataDir, int kafkaPort, int schemaRegistryPort, int otlpHttpPort,
            int otlpGrpcPort, int apiPort, Duration retention, long retentionBytes) {
        /** With the default retention: {@link LocalTopics.Retention}. */
        public Options(Path dataDir, int kafkaPort, int schemaRegistryPort, int otlpHttpPort, int otlpGrpcPort,
                int apiPort) {
            this(dataDir, kafkaPort, schemaRegistryPort, otlpHttpPort, otlpGrpcPort, apiPort,
                    LocalTopics.Retention.DEFAULT_TIME, LocalTopics.Retention.DEFAULT_BYTES);
        }

        /** The KRaft controller listener takes the port after the broker's, so one flag moves both. */
        public int controllerPort() {
            return kafkaPort + 1;
        }
    }

    private final Options options;
    private final LocalTopics.Retention retention;
    private final Path dataDir;
    private final String classpath;
    private final CompletableFuture<String> failure = new CompletableFuture<>();
    /** Runs every restart, one at a time, so that the parts are never replaced concurrently. */
    private final ScheduledExecutorService supervisor = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "sessionizer-supervisor");
        t.setDaemon(true);
        return t;
    });
    private final RestartPolicy brokerRestarts = new RestartPolicy();
    private final RestartPolicy aggregatorRestarts = new RestartPolicy();
    private Config aggregatorConfig;
    /** {@code https} for a service whose configuration sets {@code tls.cert-file}, else {@code http}. */
    private volatile String ingestScheme = "http";
    private volatile String apiScheme = "http";
    private KafkaBroker broker;
    private LocalSchemaRegistry registry;
    private IngestServer ingest;
    private AggregatorApp aggregator;
    private boolean closed;

    /** @param classpath the classpath of the broker JVM: this one's, which holds the {@code kafka_2.13} artifact */
    public LocalStack(Options options, String classpath) {
        this.options = options;
        this.retention = new LocalTopics.Retention(options.retention(), options.retentionBytes());
        this.dataDir = options.dataDir().toAbsolutePath().normalize();
        this.classpath = classpath;
    }

    /**
     * Starts the broker, creates missing topics, starts the registry, ingest and aggregator, and returns once ingest
     * and aggregator answer {@code /readyz}. Fails at once, naming the part and the cause, when the broker exits or
     * Kafka Streams fails meanwhile. On failure the caller closes the stack, which stops what had started.
     */
    public void start() throws IOException, InterruptedException {
        Ports.requireFree(List.of(
                new Ports.Use("Kafka", options.kafkaPort(), "--kafka-port"),
                new Ports.Use("the Kafka controller", options.controllerPort(), "--kafka-port"),
                new Ports.Use("the Schema Registry", options.schemaRegistryPort(), "--schema-registry-port"),
                new Ports.Use("OTLP/HTTP", options.otlpHttpPort(), "--otlp-http-port"),
                new Ports.Use("OTLP/gRPC", options.otlpGrpcPort(), "--otlp-grpc-port"),
                new Ports.Use("the aggregator API and UI", options.apiPort(), "--api-port")));
        String bootstrapServers = "localhost:" + options.kafkaPort();
        // Loaded before anything starts, so that a bad SESSIONIZER_* variable fails fast.
        Config ingestConfig = Config.load(IngestSettings.all(), Map.of(
                "http.port", Integer.toString(options.otlpHttpPort()),
                "grpc.port", Integer.toString(options.otlpGrpcPort()),
                "kafka.bootstrap.servers", bootstrapServers));
        Map<String, String> aggregatorOverrides = new HashMap<>(Map.of(
                "http.port", Integer.toString(options.apiPort()),
                "state.dir", dataDir.resolve("aggregator").toString(),
                "kafka.bootstrap.servers", bootstrapServers));
        // Static membership: the stack has exactly one aggregator, so a restart takes its old place in the group at
        // once; a dynamic member would wait out its predecessor's session (about 40 s more). A static member that
        // rejoins is handed its previous assignment without a rebalance, which a changed topology (a new version)
        // cannot use: the id carries the topology's fingerprint, so that a new topology joins as a new member.
        aggregatorOverrides.put("kafka.main.consumer.group.instance.id", STATIC_MEMBER_ID + "-"
                + topologyFingerprint(Config.load(AggregatorSettings.all(), aggregatorOverrides)));
        Config topicsConfig = Config.load(AggregatorSettings.all(), aggregatorOverrides);

        // Whatever fails from here on while starting ends the start at once, with its cause.
        CompletableFuture<String> startFailure = new CompletableFuture<>();
        KafkaBroker startedBroker;
        synchronized (this) {
            requireOpen();
            broker = KafkaBroker.start(classpath, dataDir, options.kafkaPort(), options.controllerPort());
            startedBroker = broker;
        }
        startedBroker.onExit().thenAccept(p -> startFailure.complete("The Kafka broker exited while starting ("
                + exitDescription(p.exitValue()) + "); see " + startedBroker.logFile()));
        LOG.info("Kafka broker starting (pid {}), log in {}", startedBroker.pid(), startedBroker.logFile());
        startedBroker.awaitReady(BROKER_READY_TIMEOUT);
        // The local stack's own broker listens in PLAINTEXT only.
        try (Admin admin = Admin.create(Map.<String, Object>of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrapServers))) {
            List<String> created = LocalTopics.createMissing(admin, LocalTopics.topics(topicsConfig));
            if (!created.isEmpty()) {
                LOG.info("Created topics {}", created);
            }
            List<String> retained = LocalTopics.retained(topicsConfig);
            LocalTopics.applyRetention(admin, retained, retention);
            LOG.info("Topics {} keep {} or {} MiB each, whichever comes first", retained, options.retention(),
                    options.retentionBytes() / (1024 * 1024));
        }
        LocalSchemaRegistry startedRegistry = startPart("Schema Registry", () -> LocalSchemaRegistry.start(
                bootstrapServers, options.schemaRegistryPort(), LocalSchemaRegistry.DEFAULT_TOPIC));
        synchronized (this) {
            stopIfClosed("Schema Registry", startedRegistry);
            registry = startedRegistry;
        }
        IngestServer startedIngest = startPart("ingest", () -> IngestServer.start(ingestConfig));
        synchronized (this) {
            stopIfClosed("ingest", startedIngest);
            ingest = startedIngest;
        }
        // The registry's port is known only now when it was 0; the configuration was validated above.
        Map<String, String> withRegistry = new HashMap<>(aggregatorOverrides);
        withRegistry.put(RegistrySettings.URL.name(), "http://localhost:" + startedRegistry.port());
        AggregatorApp startedAggregator = startPart("aggregator",
                () -> AggregatorApp.start(Config.load(AggregatorSettings.all(), withRegistry)));
        synchronized (this) {
            stopIfClosed("aggregator", startedAggregator);
            aggregator = startedAggregator;
        }
        startedAggregator.failed().thenAccept(cause -> startFailure.complete(
                "The aggregator failed while starting: " + cause));
        Instant deadline = Instant.now().plus(SERVICES_READY_TIMEOUT);
        ingestScheme = scheme(ingestConfig);
        apiScheme = scheme(topicsConfig);
        awaitReady("ingest", readiness(ingestConfig), readyz(ingestScheme, startedIngest.httpPort()), deadline,
                startFailure);
        awaitReady("aggregator", readiness(topicsConfig), readyz(apiScheme, startedAggregator.httpPort()), deadline,
                startFailure);
        // A restart takes the same port, also when 0 had picked one.
        withRegistry.put("http.port", Integer.toString(startedAggregator.httpPort()));
        synchronized (this) {
            requireOpen();
            aggregatorConfig = Config.load(AggregatorSettings.all(), withRegistry);
            brokerRestarts.running();
            aggregatorRestarts.running();
            watch(startedBroker);
            watch(startedAggregator);
        }
    }

    /** Starts an in-process part; an unexpected exception becomes a one-line reason naming the part. */
    private static <T> T startPart(String part, Supplier<T> start) {
        try {
            return start.get();
        } catch (LocalStackException | ConfigException e) {
            throw e;
        } catch (RuntimeException e) {
            LOG.debug("The {} cannot start", part, e);
            throw new LocalStackException("The " + part + " cannot start: " + describe(e));
        }
    }

    /** Restarts the broker when its process ends while the stack runs. */
    private void watch(KafkaBroker watched) {
        watched.onExit().thenAccept(p -> supervise(() -> {
            synchronized (this) {
                if (closed || broker != watched) {
                    return;
                }
            }
            restartLater(brokerRestarts, "Kafka broker", "it exited (" + exitDescription(p.exitValue()) + "; see "
                    + watched.logFile() + ")", this::restartBroker);
        }));
    }

    /** Replaces the aggregator when its Kafka Streams failed for good while the stack runs. */
    private void watch(AggregatorApp watched) {
        watched.failed().thenAccept(cause -> supervise(() -> {
            synchronized (this) {
                if (closed || aggregator != watched) {
                    return;
                }
                aggregator = null;
            }
            stop("aggregator", watched);
            restartLater(aggregatorRestarts, "aggregator", cause, this::restartAggregator);
        }));
    }

    private void supervise(Runnable task) {
        if (!supervisor.isShutdown()) {
            supervisor.execute(task);
        }
    }

    /** Schedules the next attempt after the policy's delay; gives up, failing the stack, when it says so. */
    private void restartLater(RestartPolicy policy, String part, String cause, Restart restart) {
        Optional<Duration> delay = policy.failed();
        if (delay.isEmpty()) {
            failure.complete("The " + part + " failed " + RestartPolicy.MAX_FAILURES_IN_A_ROW
                    + " times in a row, last: " + cause);
            return;
        }
        LOG.warn("Restarting the {} in {} ms (failure {} in a row): {}", part, delay.get().toMillis(),
                policy.failures(), cause);
        Instant failedAt = Instant.now();
        supervisor.schedule(() -> {
            try {
                restart.run();
                policy.running();
                LOG.info("The {} is back, {} ms after it failed", part,
                        Duration.between(failedAt, Instant.now()).toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Exception e) {
                synchronized (this) {
                    if (closed) {
                        return;
                    }
                }
                restartLater(policy, part, "the restart failed: " + describe(e), restart);
            }
        }, delay.get().toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Starts the broker again on the same data directory and ports; fails, stopping it, when it does not get ready. */
    private void restartBroker() throws IOException, InterruptedException {
        KafkaBroker restarted = KafkaBroker.start(classpath, dataDir, options.kafkaPort(), options.controllerPort());
        synchronized (this) {
            stopIfClosed("Kafka broker", restarted);
            broker = restarted;
        }
        LOG.info("Kafka broker starting again (pid {})", restarted.pid());
        try {
            restarted.awaitReady(BROKER_READY_TIMEOUT);
        } catch (RuntimeException | InterruptedException e) {
            restarted.close();
            throw e;
        }
        synchronized (this) {
            if (!closed) {
                watch(restarted);
            }
        }
    }

    /** Starts a new aggregator on the same state directory and port; it resumes from its committed offsets. */
    private void restartAggregator() throws InterruptedException {
        AggregatorApp restarted = AggregatorApp.start(aggregatorConfig);
        CompletableFuture<String> startFailure = restarted.failed().thenApply(
                cause -> "Kafka Streams failed while starting: " + cause);
        try {
            awaitReady("aggregator", readiness(aggregatorConfig), readyz(apiScheme, restarted.httpPort()),
                    Instant.now().plus(SERVICES_READY_TIMEOUT), startFailure);
        } catch (RuntimeException | InterruptedException e) {
            stop("aggregator", restarted);
            throw e;
        }
        synchronized (this) {
            if (closed) {
                stop("aggregator", restarted);
                return;
            }
            aggregator = restarted;
            watch(restarted);
        }
    }

    /** A restart attempt. */
    private interface Restart {
        void run() throws Exception;
    }

    /** What an exit code means; a JVM killed by signal N reports 128 + N. */
    static String exitDescription(int exitCode) {
        return switch (exitCode) {
            case 137 -> "killed by SIGKILL";
            case 143 -> "stopped by SIGTERM";
            default -> exitCode > 128 && exitCode < 160 ? "killed by signal " + (exitCode - 128)
                    : "exit code " + exitCode;
        };
    }

    private static String describe(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null && cause.getCause() != cause
                && (cause.getMessage() == null || cause instanceof CompletionException)) {
            cause = cause.getCause();
        }
        return cause instanceof LocalStackException ? cause.getMessage()
                : cause.getClass().getSimpleName() + ": " + cause.getMessage();
    }

    /** A part that finished starting after {@link #close()} ran is stopped here, as close would have. */
    private void stopIfClosed(String part, AutoCloseable started) {
        if (closed) {
            stop(part, started);
            throw new LocalStackException("Stopped while starting");
        }
    }

    private void requireOpen() {
        if (closed) {
            throw new LocalStackException("Stopped while starting");
        }
    }

    /**
     * Polls {@code GET /readyz}: the services' own definition of ready, the same one a Kubernetes probe uses. Fails at
     * the next poll with the cause when {@code failed} completes meanwhile.
     */
    static void awaitReady(String service, int port, Instant deadline, CompletableFuture<String> failed)
            throws InterruptedException {
        awaitReady(service, HttpClient.newHttpClient(), readyz("http", port), deadline, failed);
    }

    private static void awaitReady(String service, HttpClient client, URI readyz, Instant deadline,
            CompletableFuture<String> failed) throws InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(readyz).timeout(READY_REQUEST_TIMEOUT).build();
        AtomicReference<String> last = new AtomicReference<>("no answer");
        boolean ready = Poll.until(Duration.between(Instant.now(), deadline), READY_POLL_INTERVAL, () -> {
            if (failed.isDone()) {
                throw new LocalStackException(failed.join());
            }
            try {
                HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
                last.set(response.statusCode() + " " + response.body());
                return response.statusCode() == 200;
            } catch (ConnectException e) {
                last.set("connection refused");
            } catch (IOException e) {
                last.set(e.toString());
            }
            return false;
        });
        if (!ready) {
            throw new LocalStackException("The " + service + " at " + readyz + " is not ready after "
                    + SERVICES_READY_TIMEOUT.toSeconds() + " s; last answer of /readyz: " + last.get());
        }
    }

    /**
     * Completes with a reason, in one line, when the stack cannot go on after it started: a part kept failing although
     * restarted. It also completes when {@link #close()} stops the stack.
     */
    public CompletableFuture<String> failure() {
        return failure;
    }

    private static String scheme(Config config) {
        return config.get(TlsSettings.CERT_FILE).isBlank() ? "http" : "https";
    }

    private static URI readyz(String scheme, int port) {
        return URI.create(scheme + "://localhost:" + port + "/readyz");
    }

    /**
     * The client of a service's readiness: with TLS on, trusting the service's own certificate chain, which must
     * name localhost (a port with {@code tls.client-auth=require} refuses it).
     */
    private static HttpClient readiness(Config config) {
        String certFile = config.get(TlsSettings.CERT_FILE);
        return certFile.isBlank() ? HttpClient.newHttpClient() : HttpClient.newBuilder()
                .sslContext(PemTrust.sslContext(Path.of(certFile.trim()), TlsSettings.CERT_FILE.name())).build();
    }

    /** What listens where, for the user. */
    public synchronized String describe() {
        requireOpen();
        return String.join(System.lineSeparator(),
                "  Kafka       " + broker.bootstrapServers() + "    data in " + dataDir.resolve("kafka")
                        + ", log in " + broker.logFile(),
                "  Registry    http://localhost:" + registry.port() + "    Confluent Schema Registry API",
                "  OTLP/HTTP   " + ingestScheme + "://localhost:" + ingest.httpPort() + "/v1/traces",
                "  OTLP/gRPC   localhost:" + ingest.grpcPort() + ("https".equals(ingestScheme) ? " (TLS)" : ""),
                "  API         " + apiScheme + "://localhost:" + aggregator.httpPort() + "/api/v1/sessions",
                "  UI          " + apiScheme + "://localhost:" + aggregator.httpPort() + "/");
    }

    /** Whether any part was launched, so that there is something to stop. */
    public synchronized boolean hasStarted() {
        return broker != null;
    }

    /** The running aggregator, for tests that make it fail; null while it is being replaced. */
    synchronized AggregatorApp aggregator() {
        return aggregator;
    }

    /** The broker's process id, for tests that kill it; the new one's as soon as a restart launched it. */
    synchronized long brokerPid() {
        return broker == null ? -1 : broker.pid();
    }

    /**
     * Ends supervision (a restart in progress finishes first), then stops the aggregator (it commits its last offsets
     * to the broker), the ingest, registry and broker. Idempotent.
     */
    @Override
    public void close() {
        synchronized (this) {
            closed = true;
        }
        supervisor.shutdownNow();
        try {
            if (!supervisor.awaitTermination(SERVICES_READY_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                LOG.warn("A restart is still in progress; stopping what runs");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (this) {
            if (aggregator != null) {
                stop("aggregator", aggregator);
                aggregator = null;
            }
            if (ingest != null) {
                stop("ingest", ingest);
                ingest = null;
            }
            if (registry != null) {
                stop("Schema Registry", registry);
                registry = null;
            }
            if (broker != null) {
                stop("Kafka broker", broker);
                broker = null;
            }
        }
        failure.complete("The stack was stopped");
    }

    /** Stops one part; a failure is logged so that the parts after it are still stopped. */
    private static void stop(String part, AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception e) {
            LOG.warn("Cannot stop the {} cleanly", part, e);
        }
    }

    /** A short hash of the topology's description: its sub-topologies, processors, stores and topics. */
    private static String topologyFingerprint(Config aggregatorConfig) {
        String description = SessionTopology.build(aggregatorConfig, InMemorySchemaRegistry.named("fingerprint"))
                .describe().toString();
        return String.format("%08x", description.hashCode());
    }
}
