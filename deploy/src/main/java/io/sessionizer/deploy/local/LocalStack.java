package io.sessionizer.deploy.local;

import io.sessionizer.aggregator.AggregatorApp;
import io.sessionizer.aggregator.AggregatorSettings;
import io.sessionizer.aggregator.topology.SessionTopology;
import io.sessionizer.config.Config;
import io.sessionizer.deploy.registry.LocalSchemaRegistry;
import io.sessionizer.ingest.IngestServer;
import io.sessionizer.ingest.IngestSettings;
import io.sessionizer.schemas.registry.InMemorySchemaRegistry;
import io.sessionizer.schemas.registry.RegistrySettings;
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
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything of DESIGN.md "The local stack" on one machine: the KRaft broker as a child JVM, its topics, and the
 * Schema Registry, ingest and aggregator in this JVM. Started in dependency order and closed in the reverse one.
 */
public final class LocalStack implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LocalStack.class);
    private static final Duration BROKER_READY_TIMEOUT = Duration.ofSeconds(60);
    /** Generous: after a crash the aggregator may first restore its stores from their changelogs. */
    private static final Duration SERVICES_READY_TIMEOUT = Duration.ofSeconds(120);
    private static final Duration READY_POLL_INTERVAL = Duration.ofMillis(200);
    private static final Duration READY_REQUEST_TIMEOUT = Duration.ofSeconds(2);
    private static final String STATIC_MEMBER_ID = "sessionizer-local";

    /** Where the stack keeps its data and listens; port 0 picks a free port (not for Kafka). */
    public record Options(Path dataDir, int kafkaPort, int schemaRegistryPort, int otlpHttpPort,
            int otlpGrpcPort, int apiPort) {
        /** The KRaft controller listener takes the port after the broker's, so one flag moves both. */
        public int controllerPort() {
            return kafkaPort + 1;
        }
    }

    private final Options options;
    private final Path dataDir;
    private final String classpath;
    private final CompletableFuture<String> failure = new CompletableFuture<>();
    private KafkaBroker broker;
    private LocalSchemaRegistry registry;
    private IngestServer ingest;
    private AggregatorApp aggregator;
    private boolean closed;

    /** @param classpath the classpath of the broker JVM: this one's, which holds the {@code kafka_2.13} artifact */
    public LocalStack(Options options, String classpath) {
        this.options = options;
        this.dataDir = options.dataDir().toAbsolutePath().normalize();
        this.classpath = classpath;
    }

    /**
     * Starts the broker, creates missing topics, starts the registry, ingest and aggregator, and returns once ingest
     * and aggregator answer {@code /readyz}. On failure the caller closes the stack, which stops what had started.
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
        Config aggregatorConfig = Config.load(AggregatorSettings.all(), aggregatorOverrides);

        synchronized (this) {
            requireOpen();
            broker = KafkaBroker.start(classpath, dataDir, options.kafkaPort(), options.controllerPort());
        }
        LOG.info("Kafka broker starting (pid {}), log in {}", broker.pid(), broker.logFile());
        broker.awaitReady(BROKER_READY_TIMEOUT);
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
            List<String> created = LocalTopics.createMissing(admin, LocalTopics.topics(aggregatorConfig));
            if (!created.isEmpty()) {
                LOG.info("Created topics {}", created);
            }
        }
        synchronized (this) {
            requireOpen();
            registry = LocalSchemaRegistry.start(bootstrapServers, options.schemaRegistryPort(),
                    LocalSchemaRegistry.DEFAULT_TOPIC);
        }
        synchronized (this) {
            requireOpen();
            ingest = IngestServer.start(ingestConfig);
        }
        // The registry's port is known only now when it was 0; the configuration was validated above.
        Map<String, String> withRegistry = new HashMap<>(aggregatorOverrides);
        withRegistry.put(RegistrySettings.URL.name(), "http://localhost:" + registry.port());
        Config aggregatorWithRegistry = Config.load(AggregatorSettings.all(), withRegistry);
        synchronized (this) {
            requireOpen();
            aggregator = AggregatorApp.start(aggregatorWithRegistry);
        }
        Instant deadline = Instant.now().plus(SERVICES_READY_TIMEOUT);
        awaitReady("ingest", ingest.httpPort(), deadline);
        awaitReady("aggregator", aggregator.httpPort(), deadline);
        synchronized (this) {
            requireOpen();
            Path log = broker.logFile();
            broker.onExit().thenAccept(p -> failure.complete(
                    "The Kafka broker exited (code " + p.exitValue() + "); see " + log));
            aggregator.failed().thenAccept(cause -> failure.complete("The aggregator stopped: " + cause));
        }
    }

    private void requireOpen() {
        if (closed) {
            throw new LocalStackException("Stopped while starting");
        }
    }

    /** Polls {@code GET /readyz}: the services' own definition of ready, the same one a Kubernetes probe uses. */
    private static void awaitReady(String service, int port, Instant deadline) throws InterruptedException {
        HttpClient client = HttpClient.newHttpClient();
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/readyz"))
                .timeout(READY_REQUEST_TIMEOUT).build();
        String last = "no answer";
        while (Instant.now().isBefore(deadline)) {
            try {
                HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200) {
                    return;
                }
                last = response.statusCode() + " " + response.body();
            } catch (ConnectException e) {
                last = "connection refused";
            } catch (IOException e) {
                last = e.toString();
            }
            Thread.sleep(READY_POLL_INTERVAL.toMillis());
        }
        throw new LocalStackException("The " + service + " on port " + port + " is not ready after "
                + SERVICES_READY_TIMEOUT.toSeconds() + " s; last answer of /readyz: " + last);
    }

    /**
     * Completes with a reason when the stack cannot go on after it started: the broker process ended, or Kafka
     * Streams failed for good. It also completes when {@link #close()} stops the broker.
     */
    public CompletableFuture<String> failure() {
        return failure;
    }

    /** What listens where, for the user. */
    public synchronized String describe() {
        requireOpen();
        return String.join(System.lineSeparator(),
                "  Kafka       " + broker.bootstrapServers() + "    data in " + dataDir.resolve("kafka")
                        + ", log in " + broker.logFile(),
                "  Registry    http://localhost:" + registry.port() + "    Confluent Schema Registry API",
                "  OTLP/HTTP   http://localhost:" + ingest.httpPort() + "/v1/traces",
                "  OTLP/gRPC   localhost:" + ingest.grpcPort(),
                "  API         http://localhost:" + aggregator.httpPort() + "/api/v1/sessions",
                "  UI          http://localhost:" + aggregator.httpPort() + "/");
    }

    /** Whether any part was launched, so that there is something to stop. */
    public synchronized boolean hasStarted() {
        return broker != null;
    }

    /** Aggregator first (it commits its last offsets to the broker), then ingest, registry and broker. Idempotent. */
    @Override
    public synchronized void close() {
        closed = true;
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
