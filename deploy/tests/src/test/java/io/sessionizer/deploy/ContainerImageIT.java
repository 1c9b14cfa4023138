package io.sessionizer.deploy;

import static io.sessionizer.testing.OtlpTraces.attr;
import static io.sessionizer.testing.OtlpTraces.request;
import static io.sessionizer.testing.OtlpTraces.span;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.security.auth.module.UnixSystem;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.Span;
import io.sessionizer.aggregator.AggregatorFixture;
import io.sessionizer.testing.KafkaTestCluster;
import io.sessionizer.testing.OtlpTraces;
import io.sessionizer.testing.SessionsApiClient;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the image tarballs that {@code -Pimages} built (CI builds them) without a container engine: unpacks their
 * layers, then runs the image's entrypoint with the image's environment, as the image's user, chrooted into it, in
 * new mount and PID namespaces with {@code /proc} and {@code /dev} as a container runtime provides them. The network
 * is this machine's, so the containers reach the test broker and the test reaches their ports. Needs root and
 * util-linux; skipped where the images were not built or cannot be run so.
 *
 * <p>What this cannot check is what only an engine does: cgroup memory limits (the heap share of
 * {@code MaxRAMPercentage}), image pulls and volumes.
 */
@EnabledIf("canRunImages")
class ContainerImageIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path IMAGES = Path.of("..", "..");
    private static final Duration START_LIMIT = Duration.ofMinutes(3);
    /** What the containers print, kept for a failed run. */
    private static final Path LOGS = Path.of("target/container-logs");

    private final KafkaTestCluster kafka = KafkaTestCluster.shared();
    private final List<Process> containers = new ArrayList<>();

    @TempDir
    Path work;

    static boolean canRunImages() {
        if (!Files.isRegularFile(image("ingest")) || !Files.isRegularFile(image("aggregator"))
                || new UnixSystem().getUid() != 0 || !Files.isExecutable(Path.of("/usr/sbin/chroot"))) {
            return false;
        }
        // Namespaces may be refused (e.g. inside a container without CAP_SYS_ADMIN): then skip, do not fail.
        try {
            exec("/usr/bin/unshare", "--mount", "--pid", "--fork", "/bin/sh", "-c", "mount -t tmpfs none /mnt");
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @AfterEach
    void stopContainers() throws InterruptedException {
        for (Process container : containers) {
            stop(container, Duration.ofSeconds(45));
        }
    }

    /**
     * SIGTERM to the container's process, as a runtime stops it, then SIGKILL after the grace period. The signal
     * goes to the JVM itself: unshare cannot pass it on once chroot has changed the user.
     */
    private static void stop(Process container, Duration grace) throws InterruptedException {
        container.descendants().forEach(ProcessHandle::destroy);
        if (!container.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
            container.descendants().forEach(ProcessHandle::destroyForcibly);
            container.destroyForcibly().waitFor();
        }
    }

    @Test
    void shouldRunTheIngestAsItsNonRootUserAndAnswerItsHealthCheck() throws Exception {
        Path root = unpack("ingest");
        int http = freePort();
        run(root, "ingest", Map.of(
                "SESSIONIZER_HTTP_PORT", Integer.toString(http),
                "SESSIONIZER_GRPC_PORT", Integer.toString(freePort()),
                "KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers()));

        await().atMost(START_LIMIT).pollInterval(Duration.ofMillis(500))
                .until(() -> healthCheck(root, "ingest", "http://localhost:" + http + "/readyz") == 0);
        assertThat(Files.readString(root.resolve("etc/passwd"))).contains("nonroot:x:65532:65532");
        assertThat(config(image("ingest")).path("User").asText()).isEqualTo("65532:65532");
    }

    @Test
    void shouldAggregateSessionsInTheAggregatorImage() throws Exception {
        Path root = unpack("aggregator");
        String spans = KafkaTestCluster.uniqueName("spans");
        kafka.createTopics(3, spans);
        Map<String, String> settings = AggregatorFixture.settings(kafka, work.resolve("unused"), spans);
        int http = freePort();
        run(root, "aggregator", Map.of(
                "SESSIONIZER_HTTP_PORT", Integer.toString(http),
                "SESSIONIZER_APPLICATION_ID", settings.get("application.id"),
                "SESSIONIZER_TOPIC_SPANS", spans,
                "SESSIONIZER_TOPIC_SESSIONS", settings.get("topic.sessions"),
                "SESSIONIZER_TOPIC_TURNS", settings.get("topic.turns"),
                "SESSIONIZER_TOPIC_EVENTS", settings.get("topic.events"),
                "SESSIONIZER_TOPIC_DLQ", settings.get("topic.dlq"),
                "SESSIONIZER_SCHEMA_REGISTRY_URL", settings.get("schema.registry.url"),
                "KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers()));
        await().atMost(START_LIMIT).pollInterval(Duration.ofMillis(500))
                .until(() -> healthCheck(root, "aggregator", "http://localhost:" + http + "/readyz") == 0);

        String session = KafkaTestCluster.uniqueName("image");
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()),
                new StringSerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(spans, OtlpTraces.traceHex(7), trace(7, session)))
                    .get();
        }

        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
            SessionsApiClient.Response response = SessionsApiClient.of(http).get("/api/v1/sessions/" + session);
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            assertThat(response.json().path("trace_count").asInt()).isEqualTo(1);
        });
        // RocksDB wrote its stores to the image's state volume, as the image's user.
        Path state = root.resolve("var/lib/sessionizer").resolve(settings.get("application.id"));
        assertThat(state).isDirectory();
        assertThat(Files.getOwner(state).getName()).isIn("65532", "nonroot");
    }

    private static Path image(String module) {
        return IMAGES.resolve(module).resolve("target/jib-image.tar");
    }

    /** The image's filesystem: its layers unpacked in order, with what a runtime adds (/etc/hosts, /proc, /dev). */
    private Path unpack(String module) throws Exception {
        Path tarball = work.resolve(module);
        Path root = work.resolve(module + "-root");
        Files.createDirectories(tarball);
        Files.createDirectories(root);
        exec("tar", "-xf", image(module).toAbsolutePath().toString(), "-C", tarball.toString());
        for (JsonNode layer : JSON.readTree(tarball.resolve("manifest.json").toFile()).get(0).path("Layers")) {
            exec("tar", "-xzf", tarball.resolve(layer.asText()).toString(), "-C", root.toString());
        }
        Files.createDirectories(root.resolve("proc"));
        Files.createDirectories(root.resolve("dev"));
        String hostname = Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
        Files.writeString(root.resolve("etc/hosts"),
                "127.0.0.1 localhost\n::1 localhost ip6-localhost\n127.0.1.1 " + hostname + "\n");
        return root;
    }

    /** Starts the image's entrypoint, as a runtime would; stopped after the test. */
    private void run(Path root, String module, Map<String, String> env) throws IOException {
        JsonNode config = config(image(module));
        List<String> command = new ArrayList<>();
        config.path("Entrypoint").forEach(arg -> command.add(arg.asText()));
        ProcessBuilder builder = inContainer(root, config, command);
        builder.environment().putAll(env);
        Files.createDirectories(LOGS);
        File log = LOGS.resolve(module + ".log").toFile();
        containers.add(builder.redirectErrorStream(true).redirectOutput(log).start());
    }

    /** The health check of docker-compose.yml, run in the image: 0 when healthy. */
    private int healthCheck(Path root, String module, String url) throws Exception {
        ProcessBuilder builder = inContainer(root, config(image(module)), List.of("java",
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-XX:-UsePerfData", "-Xmx16m",
                "-cp", "/app/libs/*", "io.sessionizer.health.HealthProbe", url));
        Process probe = builder.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!probe.waitFor(30, TimeUnit.SECONDS)) {
            stop(probe, Duration.ZERO);
            return -1;
        }
        return probe.exitValue();
    }

    /** A command in the image's root, environment and user, in its own mount and PID namespaces. */
    private static ProcessBuilder inContainer(Path root, JsonNode config, List<String> command) {
        List<String> argv = new ArrayList<>(List.of("/usr/bin/unshare", "--mount", "--pid", "--fork",
                "--mount-proc=" + root.resolve("proc"), "/bin/sh", "-c",
                "root=$1; user=$2; shift 2; mount --rbind /dev \"$root/dev\" && exec /usr/sbin/chroot"
                        + " --userspec=\"$user\" \"$root\" \"$@\"",
                "sh", root.toString(), config.path("User").asText()));
        argv.addAll(command);
        ProcessBuilder builder = new ProcessBuilder(argv);
        builder.environment().clear();
        for (JsonNode variable : config.path("Env")) {
            String[] pair = variable.asText().split("=", 2);
            builder.environment().put(pair[0], pair[1]);
        }
        return builder;
    }

    private static JsonNode config(Path image) throws IOException {
        Path extracted = Files.createTempDirectory("image-config");
        try {
            exec("tar", "-xf", image.toAbsolutePath().toString(), "-C", extracted.toString(), "config.json");
            return JSON.readTree(extracted.resolve("config.json").toFile()).path("config");
        } finally {
            Files.deleteIfExists(extracted.resolve("config.json"));
            Files.deleteIfExists(extracted);
        }
    }

    private static void exec(String... command) throws IOException {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (process.waitFor() != 0) {
                throw new IOException(String.join(" ", command) + " failed: " + output);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static byte[] trace(long trace, String sessionId) {
        Span.Builder span = span(OtlpTraces.traceId(trace), 1, 0, 1_764_000_000_000_000_000L,
                1_764_000_001_000_000_000L).setName("chat");
        return request(Resource.getDefaultInstance(), attr(span, "session.id", sessionId)).toByteArray();
    }
}
