package io.sessionizer.aggregator.errors;

import static io.sessionizer.testing.OtlpTraces.attr;
import static io.sessionizer.testing.OtlpTraces.span;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sessionizer.aggregator.AggregatorApp;
import io.sessionizer.aggregator.AggregatorFixture;
import io.sessionizer.testing.KafkaTestCluster;
import io.sessionizer.testing.OtlpTraces;
import io.sessionizer.testing.SessionsApiClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bytes on {@code otlp_spans} that are not an OTLP request fail in the source's serde, and the deserialization
 * handler sends them to the dead-letter topic as received, with the reason, on the real broker; a session sent after
 * them arrives. (TopologyTestDriver does not capture the dead letters of deserialization errors.)
 */
class PoisonSpansIT {
    private static final KafkaTestCluster KAFKA = KafkaTestCluster.shared();

    @TempDir
    Path stateDir;

    @Test
    void shouldSendBytesThatAreNotARequestToTheDeadLetterTopicAndCarryOn() throws Exception {
        String spans = KafkaTestCluster.uniqueName("poison-spans");
        KAFKA.createTopics(3, spans);
        Map<String, String> settings = AggregatorFixture.settings(KAFKA, stateDir, spans);
        byte[] garbage = {(byte) 0xFF, 0x01, 0x02};
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers()),
                new StringSerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(spans, OtlpTraces.traceHex(9), garbage)).get();
            // Keyed otherwise too: the record that would be split and re-keyed is refused the same way.
            producer.send(new ProducerRecord<>(spans, "not-a-trace-id", garbage)).get();
            producer.send(new ProducerRecord<>(spans, OtlpTraces.traceHex(1), OtlpTraces.request(
                    attr(attr(span(1, 100, 0, 0, 1_000), "session.id", "after-poison"), "input.value", "hi"))
                    .toByteArray())).get();
        }
        try (AggregatorApp app = AggregatorFixture.start(settings)) {
            SessionsApiClient api = SessionsApiClient.of(app.httpPort());
            await().atMost(Duration.ofSeconds(90)).ignoreExceptions().untilAsserted(() ->
                    assertThat(api.get("/api/v1/sessions/after-poison").statusCode()).isEqualTo(200));
            List<ConsumerRecord<byte[], byte[]>> dead = KAFKA.consume(settings.get("topic.dlq"), 2,
                    Duration.ofSeconds(60));
            assertThat(dead).hasSize(2).allSatisfy(record -> {
                assertThat(record.value()).isEqualTo(garbage);
                assertThat(new String(record.headers().lastHeader(DeadLetters.REASON_HEADER).value(),
                        StandardCharsets.UTF_8)).contains("not an OTLP ExportTraceServiceRequest");
            });
        }
    }
}
