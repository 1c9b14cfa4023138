package io.sessionizer.bench.suite;

import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.util.Exceptions;
import io.sessionizer.aggregator.AggregatorMain;
import io.sessionizer.auth.PeerSignature;
import io.sessionizer.bench.Backlog;
import io.sessionizer.cli.Poll;
import io.sessionizer.ingest.IngestMain;
import io.sessionizer.launcher.local.ChildJvm;
import io.sessionizer.launcher.local.KafkaBroker;
import io.sessionizer.localregistry.LocalSchemaRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;

/**
 * The local stack of a benchmark run, every part on free ports so that it runs beside a {@code sessionizer local}: the
 * KRaft broker (child JVM, data under the run's directory), the Schema Registry (in this JVM), and ingest and
 * aggregator instances started as child JVMs on demand, so that each one's peak memory is its own.
 */
final class BenchStack implements AutoCloseable {
    static final String INGEST_HEAP = "512m";
    static final String AGGREGATOR_HEAP = "1g";
    private static final Duration BROKER_READY_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration POLL = Duration.ofMillis(200);

    /**
     * A started service: its JVM and ports (OTLP/HTTP or REST API, and OTLP/gRPC for ingest, else 0), and the
     * certificate its ports serve TLS with (null: plain text).
     */
    record Service(String name, ChildJvm jvm, int port, int grpcPort, BenchCertificate tls) {
    }

    /** The topics of one aggregator application. */
    record Topics(String spans, String logs, String annotations, String sessions, String turns, String events,
            String dlq) {
        static Topics named(String suffix) {
            return new Topics("spans-" + suffix, "logs-" + suffix, "annotations-" + suffix, "sessions-" + suffix,
                    "turns-" + suffix, "events-" + suffix, "dlq-" + suffix);
        }
    }

    private final Path dir;
    private final KafkaBroker broker;
    private final LocalSchemaRegistry registry;
    private final Map<String, Long> peakRss = new LinkedHashMap<>();
    private final List<Service> running = new ArrayList<>();
    /** One client factory per certificate the services serve, trusting it; closed with the stack. */
    private final Map<BenchCertificate, ClientFactory> tlsFactories = new HashMap<>();
    /** One secret for every aggregator instance of the run: lists gather the cursors the others signed. */
    private final String cursorSecret = randomSecret();

    private BenchStack(Path dir, KafkaBroker broker, LocalSchemaRegistry registry) {
        this.dir = dir;
        this.broker = broker;
        this.registry = registry;
    }

    /** Starts the broker with its data in {@code dir}, and the registry. */
    static BenchStack start(Path dir) throws IOException, InterruptedException {
        KafkaBroker broker = KafkaBroker.start(System.getProperty("java.class.path"), dir, freePort(), freePort());
        try {
            broker.awaitReady(BROKER_READY_TIMEOUT);
            return new BenchStack(dir, broker,
                    LocalSchemaRegistry.start(broker.bootstrapServers(), 0, LocalSchemaRegistry.DEFAULT_TOPIC));
        } catch (RuntimeException | InterruptedException e) {
            broker.close();
            throw e;
        }
    }

    String bootstrapServers() {
        return broker.bootstrapServers();
    }

    Path dir() {
        return dir;
    }

    /** Creates topics of {@code partitions} partitions; {@code sessions} compacted, as the local stack has it. */
    void createTopics(int partitions, Topics topics) {
        createTopics(List.of(new NewTopic(topics.spans(), partitions, (short) 1),
                new NewTopic(topics.logs(), partitions, (short) 1),
                new NewTopic(topics.annotations(), partitions, (short) 1),
                new NewTopic(topics.sessions(), partitions, (short) 1).configs(Map.of(
                        TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)),
                new NewTopic(topics.turns(), partitions, (short) 1),
                new NewTopic(topics.events(), partitions, (short) 1),
                new NewTopic(topics.dlq(), partitions, (short) 1)));
    }

    void createTopics(List<NewTopic> topics) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers()))) {
            Backlog.createTopics(admin, topics);
        } catch (Exception e) {
            throw new IllegalStateException("Cannot create the benchmark's topics", e);
        }
    }

    /** An ingest writing spans to {@code topic} and log records to {@code logsTopic}, ready when this returns. */
    Service startIngest(String name, String topic, String logsTopic) throws IOException, InterruptedException {
        return startIngest(name, topic, logsTopic, null);
    }

    /** {@link #startIngest(String, String, String)} serving TLS only with {@code tls}, unless null. */
    Service startIngest(String name, String topic, String logsTopic, BenchCertificate tls)
            throws IOException, InterruptedException {
        int http = freePort();
        int grpc = freePort();
        List<String> args = new ArrayList<>(List.of(
                "--set", "http.port=" + http,
                "--set", "grpc.port=" + grpc,
                "--set", "topic.spans=" + topic,
                "--set", "topic.logs=" + logsTopic,
                "--set", "kafka.bootstrap.servers=" + bootstrapServers()));
        if (tls != null) {
            args.addAll(List.of("--set", "tls.cert-file=" + tls.certFile(), "--set", "tls.key-file=" + tls.keyFile()));
        }
        Service ingest = start(new Service(name, ChildJvm.start(name, INGEST_HEAP, log(name),
                IngestMain.class.getName(), args), http, grpc, tls));
        awaitReady(ingest, Duration.ofMinutes(1));
        return ingest;
    }

    /**
     * An instance of the aggregator application {@code applicationId}, with its state under the run's directory, not
     * waited for (a second instance is ready only once the first rebalanced).
     */
    Service startAggregator(String name, String applicationId, Topics topics) throws IOException {
        return startAggregator(name, stateDir(name), applicationId, topics);
    }

    /** An instance as above, with its state stores in {@code stateDir}, e.g. those of an instance stopped before. */
    Service startAggregator(String name, Path stateDir, String applicationId, Topics topics) throws IOException {
        int port = freePort();
        return start(new Service(name, ChildJvm.start(name, AGGREGATOR_HEAP, log(name),
                AggregatorMain.class.getName(), List.of(
                        "--set", "http.port=" + port,
                        "--set", "application.id=" + applicationId,
                        "--set", "state.dir=" + stateDir,
                        "--set", "topic.spans=" + topics.spans(),
                        "--set", "topic.logs=" + topics.logs(),
                        "--set", "topic.annotations=" + topics.annotations(),
                        "--set", "topic.sessions=" + topics.sessions(),
                        "--set", "topic.turns=" + topics.turns(),
                        "--set", "topic.events=" + topics.events(),
                        "--set", "topic.dlq=" + topics.dlq(),
                        "--set", "standby.replicas=0",
                        "--set", "api.cursor-secret=" + cursorSecret,
                        "--set", "schema.registry.url=http://localhost:" + registry.port(),
                        "--set", "kafka.bootstrap.servers=" + bootstrapServers(),
                        // Every instance counts as caught up, so a joining one takes its share of the active tasks at
                        // once (restoring them first) instead of after the ten-minute probing rebalance.
                        "--set", "kafka.acceptable.recovery.lag=" + Long.MAX_VALUE)), port, 0, null));
    }

    /** Where the instance named {@code name} keeps its state stores. */
    Path stateDir(String name) {
        return dir.resolve("state").resolve(fileName(name));
    }

    /**
     * A client of a service's HTTP port: https trusting its certificate when it serves TLS; its local-only requests
     * signed as the aggregator instances sign them.
     */
    ApiClient api(Service service) {
        return new ApiClient(service.port(), service.tls() == null ? null : tlsFactory(service.tls()),
                PeerSignature.of(cursorSecret));
    }

    private synchronized ClientFactory tlsFactory(BenchCertificate tls) {
        return tlsFactories.computeIfAbsent(tls, certificate -> ClientFactory.builder()
                .tlsCustomizer(ssl -> ssl.trustManager(certificate.certFile().toFile())).build());
    }

    private static String randomSecret() {
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
    }

    private synchronized Service start(Service service) {
        running.add(service);
        return service;
    }

    private Path log(String name) {
        return dir.resolve("logs").resolve(fileName(name) + ".log");
    }

    /** A service's name as a file name: "ingest (10,000 spans/s)" becomes "ingest-10-000-spans-s". */
    static String fileName(String name) {
        return name.replaceAll("[^A-Za-z0-9]+", "-").replaceAll("^-|-$", "");
    }

    /** Waits until the service answers {@code GET /readyz} with 200; fails early when its JVM exits. */
    void awaitReady(Service service, Duration timeout) throws InterruptedException {
        ApiClient client = api(service);
        AtomicReference<String> last = new AtomicReference<>("no answer");
        boolean ready = Poll.until(timeout, POLL, () -> {
            service.jvm().requireAlive();
            try {
                AggregatedHttpResponse response = client.getNow("/readyz", false);
                last.set(response.status() + " " + response.contentUtf8());
                return response.status().code() == 200;
            } catch (CompletionException e) {
                last.set(Exceptions.peel(e).toString());
                return false;
            }
        });
        if (!ready) {
            throw new IllegalStateException(service.name() + " is not ready after " + timeout.toSeconds()
                    + " s; last answer: " + last.get() + "; see " + service.jvm().log());
        }
    }

    /** Stops a service, keeping its peak memory for the report. */
    synchronized void stop(Service service) {
        service.jvm().close();
        peakRss.merge(service.name(), service.jvm().peakRss(), Math::max);
        running.remove(service);
    }

    /** Keeps the peak memory of a process this stack did not start, for the report. */
    synchronized void recordPeakRss(String process, long bytes) {
        peakRss.merge(process, bytes, Math::max);
    }

    /** Peak resident memory of every process so far: the services, the broker and this JVM. */
    synchronized Map<String, Long> peakRss() {
        running.forEach(s -> peakRss.merge(s.name(), s.jvm().peakRss(), Math::max));
        Map<String, Long> all = new LinkedHashMap<>(peakRss);
        all.put("broker", ChildJvm.peakRss(broker.pid()));
        all.put("bench (load generator, probes, registry)", ChildJvm.peakRss(ProcessHandle.current().pid()));
        return all;
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Stops every service still running, newest first. */
    synchronized void stopAll() {
        for (int i = running.size() - 1; i >= 0; i--) {
            stop(running.get(i));
        }
    }

    /** Services first, then the clients' factories, the registry and the broker. Idempotent. */
    @Override
    public synchronized void close() {
        stopAll();
        tlsFactories.values().forEach(ClientFactory::close);
        tlsFactories.clear();
        registry.close();
        broker.close();
    }
}
