package io.sessionizer.aggregator;

import static io.sessionizer.testing.OtlpTraces.attr;
import static io.sessionizer.testing.OtlpTraces.span;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sessionizer.testing.KafkaTestCluster;
import io.sessionizer.testing.OtlpTraces;
import io.sessionizer.testing.SessionsApiClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A backlog of deltas for one turn of one session, on the real broker under exactly-once: the aggregator takes many of
 * them per commit, and publishes the session and the turn once per commit, not once per delta, with every span
 * counted.
 */
class OncePerCommitIT {
    private static final KafkaTestCluster KAFKA = KafkaTestCluster.shared();
    private static final int REQUESTS = 200;

    @TempDir
    Path stateDir;

    @Test
    void shouldPublishASessionAndATurnOncePerCommitHoweverManyDeltasChangedThem() throws Exception {
        String spans = KafkaTestCluster.uniqueName("once-spans");
        KAFKA.createTopics(3, spans);
        Map<String, String> settings = AggregatorFixture.settings(KAFKA, stateDir, spans);
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers()),
                new StringSerializer(), new ByteArraySerializer())) {
            // One span per request, all of trace 1, so each request is one delta of the same turn.
            for (int i = 0; i < REQUESTS; i++) {
                producer.send(new ProducerRecord<>(spans, OtlpTraces.traceHex(1), OtlpTraces.request(attr(
                        span(1, 100 + i, i == 0 ? 0 : 100, i * 10L, i * 10L + 5), "session.id", "busy"))
                        .toByteArray()));
            }
            producer.flush();
        }
        try (AggregatorApp app = AggregatorFixture.start(settings)) {
            SessionsApiClient api = SessionsApiClient.of(app.httpPort());
            await().atMost(Duration.ofSeconds(90)).ignoreExceptions().untilAsserted(() ->
                    assertThat(api.json("/api/v1/sessions/busy").get("span_count").asLong()).isEqualTo(REQUESTS));
            int sessions = count(settings.get("topic.sessions"));
            int turns = count(settings.get("topic.turns"));
            assertThat(sessions).as("records on the sessions topic for %d deltas", REQUESTS)
                    .isPositive().isLessThan(REQUESTS / 4);
            assertThat(turns).as("records on the session-turns topic").isPositive().isLessThan(REQUESTS / 4);
        }
    }

    /** The committed records of a topic, read until none come for a second. */
    private static int count(String topic) {
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, topic + "-counter",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            long quietSince = System.nanoTime();
            while (System.nanoTime() - quietSince < 2_000_000_000L) {
                var polled = consumer.poll(Duration.ofMillis(200));
                if (!polled.isEmpty()) {
                    polled.forEach(records::add);
                    quietSince = System.nanoTime();
                }
            }
        }
        return records.size();
    }
}
