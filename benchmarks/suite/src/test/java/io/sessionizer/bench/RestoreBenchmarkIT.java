package io.sessionizer.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.sessionizer.aggregator.AggregatorApp;
import io.sessionizer.aggregator.AggregatorFixture;
import io.sessionizer.testing.KafkaTestCluster;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * How long a new aggregator instance takes to rebuild its stores from the changelogs: what moving state to a fresh
 * pod or volume costs (README, "Scaling"). One instance aggregates {@code restore.sessions} sessions and stops; a
 * second one with the same application id and an empty state directory restores everything and becomes ready; a
 * third on the first one's directory shows a restart on a kept volume. Opt-in:
 * {@code ./mvnw -o -pl deploy -am verify -Dbenchmark=true -Dit.test=RestoreBenchmarkIT -Dtest=none
 * -Dsurefire.failIfNoSpecifiedTests=false -Dfailsafe.failIfNoSpecifiedTests=false}.
 */
@EnabledIfSystemProperty(named = "benchmark", matches = "true")
@Timeout(value = 30, unit = TimeUnit.MINUTES)
class RestoreBenchmarkIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int SESSIONS = Integer.getInteger("restore.sessions", 50_000);
    private static final Duration LIMIT = Duration.ofMinutes(15);

    private final KafkaTestCluster kafka = KafkaTestCluster.shared();
    private final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    Path firstDir;
    @TempDir
    Path freshDir;

    @Test
    void shouldRestoreEverySessionIntoAnEmptyStateDirectory() throws Exception {
        String spans = KafkaTestCluster.uniqueName("spans");
        kafka.createTopics(3, spans);
        Map<String, String> settings = AggregatorFixture.settings(kafka, firstDir, spans);

        long aggregated = System.nanoTime();
        try (AggregatorApp first = AggregatorFixture.start(settings)) {
            writeSessions(spans);
            awaitSessions(first);
        }
        System.out.printf("Aggregated %,d sessions (%,d spans) in %.1f s%n", SESSIONS, 2L * SESSIONS,
                seconds(aggregated));
        long changelogRecords = changelogRecords(settings.get("application.id"));

        Map<String, String> fresh = new HashMap<>(settings);
        fresh.put("state.dir", freshDir.toString());
        double restore = timeToReady(fresh);
        System.out.printf("Restored %,d sessions from %,d changelog records into an empty state dir: ready in %.1f s, "
                + "%,.0f sessions/s, %,.0f records/s%n", SESSIONS, changelogRecords, restore, SESSIONS / restore,
                changelogRecords / restore);

        double warm = timeToReady(settings);
        System.out.printf("Restarted on the kept state dir: ready in %.1f s%n", warm);
    }

    /** Starts an instance, waits until it is ready and answers for every session, and stops it; returns seconds. */
    private double timeToReady(Map<String, String> settings) throws Exception {
        long start = System.nanoTime();
        try (AggregatorApp app = AggregatorFixture.start(settings)) {
            awaitSessions(app);
            return seconds(start);
        }
    }

    private void awaitSessions(AggregatorApp app) {
        await().atMost(LIMIT).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                    URI.create("http://localhost:" + app.httpPort() + "/api/v1/stats")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(JSON.readTree(response.body()).path("sessions").asLong()).isEqualTo(SESSIONS);
        });
    }

    /** One trace of two spans per session, keyed by trace id as the ingest writes them. */
    private void writeSessions(String topic) {
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.LINGER_MS_CONFIG, 20,
                ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024),
                new StringSerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < SESSIONS; i++) {
                byte[] traceId = ByteBuffer.allocate(16).putLong(0x5e55_1000_0000_0000L).putLong(i).array();
                producer.send(new ProducerRecord<>(topic, HexFormat.of().formatHex(traceId), trace(traceId, i)));
            }
            producer.flush();
        }
    }

    private static byte[] trace(byte[] traceId, int session) {
        long start = 1_764_000_000_000_000_000L + session * 1_000_000L;
        Span root = Span.newBuilder().setTraceId(ByteString.copyFrom(traceId))
                .setSpanId(ByteString.copyFrom(ByteBuffer.allocate(8).putLong(1).array()))
                .setName("chat").setStartTimeUnixNano(start).setEndTimeUnixNano(start + 1_500_000_000L)
                .addAttributes(attr("session.id", "restore-" + session))
                .addAttributes(attr("input.value", "What changed in order " + session + "?"))
                .addAttributes(attr("output.value", "Order " + session + " shipped yesterday."))
                .build();
        Span llm = root.toBuilder().clearAttributes()
                .setSpanId(ByteString.copyFrom(ByteBuffer.allocate(8).putLong(2).array()))
                .setParentSpanId(root.getSpanId()).setName("llm")
                .addAttributes(attr("openinference.span.kind", "LLM"))
                .build();
        return ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans.newBuilder()
                .addScopeSpans(ScopeSpans.newBuilder().addAllSpans(List.of(root, llm)))).build().toByteArray();
    }

    private static KeyValue attr(String key, String value) {
        return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setStringValue(value)).build();
    }

    /** Records in the application's changelog topics (end offsets, transaction markers included). */
    private long changelogRecords(String applicationId) throws Exception {
        try (Admin admin = kafka.admin()) {
            Set<String> changelogs = admin.listTopics().names().get().stream()
                    .filter(t -> t.startsWith(applicationId + "-") && t.endsWith("-changelog"))
                    .collect(Collectors.toSet());
            Map<TopicPartition, OffsetSpec> ends = new HashMap<>();
            for (TopicDescription topic : admin.describeTopics(changelogs).allTopicNames().get().values()) {
                topic.partitions().forEach(p -> ends.put(new TopicPartition(topic.name(), p.partition()),
                        OffsetSpec.latest()));
            }
            return admin.listOffsets(ends).all().get().values().stream().mapToLong(o -> o.offset()).sum();
        }
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }
}
