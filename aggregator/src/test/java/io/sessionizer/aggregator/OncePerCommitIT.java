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
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
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
            int sessions = KAFKA.consumeUntilQuiet(settings.get("topic.sessions"), Duration.ofSeconds(2)).size();
            int turns = KAFKA.consumeUntilQuiet(settings.get("topic.turns"), Duration.ofSeconds(2)).size();
            assertThat(sessions).as("records on the sessions topic for %d deltas", REQUESTS)
                    .isPositive().isLessThan(REQUESTS / 4);
            assertThat(turns).as("records on the session-turns topic").isPositive().isLessThan(REQUESTS / 4);
        }
    }
}
