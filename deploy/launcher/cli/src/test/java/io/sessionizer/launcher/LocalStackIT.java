package io.sessionizer.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.sessionizer.launcher.local.FreePorts;
import io.sessionizer.testing.KafkaTestCluster;
import io.sessionizer.testing.SessionsApiClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sessionizer local} as a user runs it: a separate launcher process with its broker child, stopped by a
 * signal, restarted on the same data directory, and killed outright.
 */
class LocalStackIT {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);

    @TempDir
    Path dir;

    private int kafkaPort;
    private int registryPort;
    private int otlpHttpPort;
    private int otlpGrpcPort;
    private int apiPort;
    private Process launcher;

    @AfterEach
    void killLeftovers() {
        if (launcher != null) {
            launcher.descendants().forEach(ProcessHandle::destroyForcibly);
            launcher.destroyForcibly();
        }
    }

    @Test
    void shouldStopCleanlyOnSigtermKeepSessionsAndTakeANewRetentionAcrossARestartAndNotOrphanTheBroker() throws Exception {
        kafkaPort = FreePorts.pair();
        registryPort = FreePorts.one();
        otlpHttpPort = FreePorts.one();
        otlpGrpcPort = FreePorts.one();
        apiPort = FreePorts.one();
        String sessionId = KafkaTestCluster.uniqueName("restart");

        Path firstLog = start("first.log");
        sendTurn(sessionId);
        await().atMost(Duration.ofSeconds(60)).untilAsserted(
                () -> assertThat(SessionsApiClient.of(apiPort).json("/api/v1/sessions/" + sessionId)
                        .path("trace_count").asInt()).isEqualTo(1));
        assertThat(SessionsApiClient.of(registryPort).get("/subjects").ok().body())
                .as("schemas the aggregator registered").contains("sessions-value");
        List<ProcessHandle> children = launcher.descendants().toList();
        assertThat(children).as("the broker child JVM").isNotEmpty();

        launcher.destroy();
        assertThat(launcher.waitFor(60, TimeUnit.SECONDS)).as("launcher stopped on SIGTERM").isTrue();
        assertThat(children).noneMatch(ProcessHandle::isAlive);
        assertThat(Files.readString(firstLog)).contains("Stopped in");

        start("second.log", "--retention", "12h", "--retention-bytes", "3GiB");
        await().atMost(Duration.ofSeconds(60)).untilAsserted(
                () -> assertThat(SessionsApiClient.of(apiPort).json("/api/v1/sessions/" + sessionId)
                        .path("trace_count").asInt()).isEqualTo(1));
        assertThat(topicConfig("otlp_spans")).as("a new retention applied to the existing topic")
                .containsEntry(TopicConfig.RETENTION_MS_CONFIG, Long.toString(Duration.ofHours(12).toMillis()))
                .containsEntry(TopicConfig.RETENTION_BYTES_CONFIG, Long.toString((3L << 30) / 6));
        List<ProcessHandle> secondChildren = launcher.descendants().toList();

        launcher.destroyForcibly();
        await().atMost(Duration.ofSeconds(60)).untilAsserted(
                () -> assertThat(secondChildren).as("broker without its launcher").noneMatch(ProcessHandle::isAlive));
    }

    /** Starts the launcher and waits for its ready line; fails at once if it exits instead. */
    private Path start(String logName, String... moreArgs) throws IOException {
        Path log = dir.resolve(logName);
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"),
                SessionizerCli.class.getName(), "local",
                "--data-dir", dir.resolve("data").toString(),
                "--kafka-port", Integer.toString(kafkaPort),
                "--schema-registry-port", Integer.toString(registryPort),
                "--otlp-http-port", Integer.toString(otlpHttpPort),
                "--otlp-grpc-port", Integer.toString(otlpGrpcPort),
                "--api-port", Integer.toString(apiPort)));
        command.addAll(List.of(moreArgs));
        launcher = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        await().atMost(START_TIMEOUT)
                .failFast("the launcher exited; see " + log, () -> !launcher.isAlive())
                .until(() -> Files.readString(log).contains("Sessionizer is ready"));
        return log;
    }

    private void sendTurn(String sessionId) {
        SdkTracerProvider tracing = SdkTracerProvider.builder()
                .addSpanProcessor(SimpleSpanProcessor.create(OtlpHttpSpanExporter.builder()
                        .setEndpoint("http://localhost:" + otlpHttpPort + "/v1/traces").build()))
                .build();
        tracing.get("io.sessionizer.deploy.LocalStackIT").spanBuilder("chat turn")
                .setAttribute(AttributeKey.stringKey("session.id"), sessionId)
                .setAttribute(AttributeKey.stringKey("input.value"), "hello")
                .setAttribute(AttributeKey.stringKey("output.value"), "hi")
                .startSpan().end();
        assertThat(tracing.shutdown().join(10, TimeUnit.SECONDS).isSuccess()).as("export to the ingest").isTrue();
    }

    private Map<String, String> topicConfig(String topic) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "localhost:" + kafkaPort))) {
            ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
            return admin.describeConfigs(List.of(resource)).all().get().get(resource).entries().stream()
                    .collect(Collectors.toMap(ConfigEntry::name, e -> String.valueOf(e.value())));
        }
    }
}
