package io.sessionizer.it;

import static io.sessionizer.testing.OtlpTraces.attr;
import static io.sessionizer.testing.OtlpTraces.resource;
import static io.sessionizer.testing.OtlpTraces.span;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.sessionizer.aggregator.AggregatorApp;
import io.sessionizer.aggregator.AggregatorFixture;
import io.sessionizer.testing.KafkaTestCluster;
import io.sessionizer.testing.SessionsApiClient;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The OpenTelemetry Collector can replace the ingest: records written to {@code otlp_spans} exactly as its
 * kafkaexporter writes them ({@code encoding: otlp_proto}, {@code partition_traces_by_id: true}) become sessions.
 *
 * <p>The exporter splits each export into one {@code ExportTraceServiceRequest} per trace, keys it by the trace id in
 * lowercase hex, sets no header, and picks the partition with its default {@code sticky_key} partitioner and
 * {@code sarama_compat} hasher: FNV-1a, not the murmur2 of Java producers. This test writes such records with a plain
 * KafkaProducer onto the partitions that hasher picks, so the aggregator must not rely on murmur2 partitioning.
 */
class CollectorFormatIT {
    private static final int PARTITIONS = 3;
    private static final HexFormat HEX = HexFormat.of();

    private final KafkaTestCluster kafka = KafkaTestCluster.shared();

    @TempDir
    Path stateDir;

    private String spans;
    private AggregatorApp aggregator;
    private SessionsApiClient api;

    @BeforeEach
    void startAggregator() {
        spans = KafkaTestCluster.uniqueName("otlp-spans");
        kafka.createTopics(PARTITIONS, spans);
        aggregator = AggregatorFixture.start(kafka, stateDir, spans, Map.of());
        api = SessionsApiClient.of(aggregator.httpPort());
    }

    @AfterEach
    void stopAggregator() {
        aggregator.close();
    }

    @Test
    void shouldTurnCollectorRecordsIntoSessions() throws Exception {
        String chat = KafkaTestCluster.uniqueName("collector-chat");
        String support = KafkaTestCluster.uniqueName("collector-support");
        byte[][] chatTraces = {traceId(1), traceId(2), traceId(3)};
        byte[] supportTrace = traceId(4);
        assertThat(List.of(chatTraces[0], chatTraces[1], chatTraces[2], supportTrace))
                .as("FNV-1a puts at least one of these traces on another partition than murmur2 would")
                .anyMatch(id -> collectorPartition(hexKey(id)) != javaPartition(hexKey(id)));

        try (KafkaProducer<byte[], byte[]> collector = collectorProducer()) {
            // One export batching three turns of a chat, as a Collector batch processor sends it: three records.
            List<ResourceSpans> batch = new ArrayList<>();
            for (int turn = 0; turn < chatTraces.length; turn++) {
                batch.add(resourceSpans("chat-app", rootSpan(chatTraces[turn], chat, turn),
                        llmSpan(chatTraces[turn], turn)));
            }
            export(collector, batch);
            // A trace whose child span is exported before its root span, the only one with the session key: two
            // exports, two records with the same key, so the same partition, where the child waits for the key.
            export(collector, List.of(resourceSpans("support-app", llmSpan(supportTrace, 0))));
            export(collector, List.of(resourceSpans("support-app", rootSpan(supportTrace, support, 0))));
        }

        JsonNode chatSession = awaitSession(chat, 3);
        assertThat(chatSession.path("span_count").asInt()).isEqualTo(6);
        assertThat(chatSession.path("llm_call_count").asInt()).isEqualTo(3);
        assertThat(chatSession.path("token_count").path("total").asInt()).isEqualTo(3 * 30);
        assertThat(chatSession.path("first_input").path("value").asText()).isEqualTo("question 0 of " + chat);
        assertThat(chatSession.path("last_output").path("value").asText()).isEqualTo("answer 2 of " + chat);
        assertThat(chatSession.path("projects").toString()).isEqualTo("[\"chat-app\"]");

        JsonNode supportSession = awaitSession(support, 1);
        assertThat(supportSession.path("span_count").asInt()).as("the early child span counts too").isEqualTo(2);

        JsonNode turns = api.get("/api/v1/sessions/" + chat + "/turns").json().path("turns");
        assertThat(turns).hasSize(3);
        assertThat(turns.get(0).path("trace_id").asText()).isEqualTo(hexKey(chatTraces[0]));
    }

    /** What the kafkaexporter writes for one export: a record per trace, keyed and partitioned by its trace id. */
    private void export(KafkaProducer<byte[], byte[]> collector, List<ResourceSpans> export) throws Exception {
        Map<String, ExportTraceServiceRequest.Builder> perTrace = new LinkedHashMap<>();
        for (ResourceSpans resourceSpans : export) {
            for (ScopeSpans scopeSpans : resourceSpans.getScopeSpansList()) {
                for (Span span : scopeSpans.getSpansList()) {
                    perTrace.computeIfAbsent(HEX.formatHex(span.getTraceId().toByteArray()),
                            id -> ExportTraceServiceRequest.newBuilder())
                            .addResourceSpans(ResourceSpans.newBuilder().setResource(resourceSpans.getResource())
                                    .addScopeSpans(ScopeSpans.newBuilder().setScope(scopeSpans.getScope())
                                            .addSpans(span)));
                }
            }
        }
        for (Map.Entry<String, ExportTraceServiceRequest.Builder> record : perTrace.entrySet()) {
            byte[] key = record.getKey().getBytes(StandardCharsets.UTF_8);
            collector.send(new ProducerRecord<>(spans, collectorPartition(record.getKey()), key,
                    record.getValue().build().toByteArray())).get();
        }
    }

    /**
     * The partition of franz-go's {@code StickyKeyPartitioner(SaramaCompatHasher(fnv32a))}, the exporter's default:
     * the 32-bit FNV-1a hash of the key, as a signed int, modulo the partition count, made non-negative.
     */
    static int collectorPartition(String key) {
        int hash = 0x811c9dc5;
        for (byte b : key.getBytes(StandardCharsets.UTF_8)) {
            hash ^= b & 0xff;
            hash *= 0x01000193;
        }
        int partition = hash % PARTITIONS;
        return partition < 0 ? -partition : partition;
    }

    /** Where Kafka's Java producer (the ingest) would put the same key. */
    private static int javaPartition(String key) {
        return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % PARTITIONS;
    }

    private KafkaProducer<byte[], byte[]> collectorProducer() {
        // The exporter's producer defaults: required_acks 1, no idempotence, no compression.
        return new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "1",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false),
                new ByteArraySerializer(), new ByteArraySerializer());
    }

    private JsonNode awaitSession(String sessionId, int traces) {
        JsonNode[] session = new JsonNode[1];
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
            SessionsApiClient.Response response = api.get("/api/v1/sessions/" + sessionId);
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            session[0] = response.json();
            assertThat(session[0].path("trace_count").asInt()).as("trace_count").isEqualTo(traces);
        });
        return session[0];
    }

    private static String hexKey(byte[] traceId) {
        return HEX.formatHex(traceId);
    }

    private static byte[] traceId(long n) {
        return ByteBuffer.allocate(16).putLong(0x0c011ec7_0a000000L + n).putLong(n * 0x9e3779b97f4a7c15L).array();
    }

    private static ResourceSpans resourceSpans(String service, Span... spans) {
        return ResourceSpans.newBuilder()
                .setResource(resource(service))
                .addScopeSpans(ScopeSpans.newBuilder().addAllSpans(List.of(spans)))
                .build();
    }

    /** The turn's root: session key, input and output; turn n starts n minutes after the first. */
    private static Span rootSpan(byte[] traceId, String sessionId, int turn) {
        long start = turnStart(turn);
        Span.Builder root = span(ByteString.copyFrom(traceId), spanId(traceId, 1), 0, start, start + 2_000_000_000L)
                .setName("chat");
        attr(root, "openinference.span.kind", "CHAIN");
        attr(root, "session.id", sessionId);
        attr(root, "input.value", "question " + turn + " of " + sessionId);
        return attr(root, "output.value", "answer " + turn + " of " + sessionId).build();
    }

    /** The root's LLM child: 20 prompt and 10 completion tokens. */
    private static Span llmSpan(byte[] traceId, int turn) {
        long start = turnStart(turn) + 100_000_000L;
        Span.Builder llm = span(ByteString.copyFrom(traceId), spanId(traceId, 2), spanId(traceId, 1), start,
                start + 1_800_000_000L).setName("llm");
        attr(llm, "openinference.span.kind", "LLM");
        attr(llm, "llm.model_name", "gpt-4o-mini");
        attr(llm, "llm.token_count.prompt", 20L);
        return attr(llm, "llm.token_count.completion", 10L).build();
    }

    private static long turnStart(int turn) {
        return 1_764_000_000_000_000_000L + turn * 60_000_000_000L;
    }

    private static long spanId(byte[] traceId, long n) {
        return ByteBuffer.wrap(traceId).getLong(8) + n;
    }
}
