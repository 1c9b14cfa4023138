package io.sessionizer.aggregator;

import static io.sessionizer.testing.OtlpTraces.attr;
import static io.sessionizer.testing.OtlpTraces.span;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.opentelemetry.proto.trace.v1.Span;
import io.sessionizer.testing.KafkaTestCluster;
import io.sessionizer.testing.OtlpTraces;
import io.sessionizer.testing.SessionsApiClient;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills an aggregator process (SIGKILL, no shutdown) in the middle of a backlog, restarts one, and checks that every
 * session ends with exact counts: exactly-once v2 aborts the dead instance's open transaction, so its uncommitted
 * store changes and outputs are replayed once, never twice.
 */
class ExactlyOnceCrashIT {
    private static final int SESSIONS = 40;
    private static final int TRACES_PER_SESSION = 150;
    private static final int CHILDREN_PER_TRACE = 3;

    private final KafkaTestCluster kafka = KafkaTestCluster.shared();

    @TempDir
    Path stateDir;

    @Test
    void shouldCountEverySpanExactlyOnceAcrossACrash() throws Exception {
        String spansTopic = KafkaTestCluster.uniqueName("crash-spans");
        kafka.createTopics(3, spansTopic);
        produceBacklog(spansTopic);

        Map<String, String> settings = AggregatorFixture.settings(kafka, stateDir, spansTopic, Map.of(
                // The broker's minimum: the survivor gets the dead member's partitions after 6 s, not 45 s.
                "kafka.session.timeout.ms", "6000"));
        AggregatorProcess victim = AggregatorProcess.start(settings, stateDir.resolve("victim.log"));
        long total = (long) SESSIONS * TRACES_PER_SESSION;
        long atCrash;
        try {
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(50))
                    .until(() -> processedTraces(victim.port()) > 0);
            atCrash = processedTraces(victim.port());
        } finally {
            victim.kill();
        }
        assertThat(atCrash).as("traces counted when the victim was killed").isBetween(1L, total - 1);

        try (AggregatorApp survivor = AggregatorFixture.start(settings)) {
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200))
                    .until(() -> processedTraces(survivor.httpPort()) >= total);
            for (int s = 0; s < SESSIONS; s++) {
                JsonNode session = api(survivor.httpPort()).get("/api/v1/sessions/crash-" + s).json();
                assertThat(session.get("trace_count").asLong()).as("traces of crash-%d", s)
                        .isEqualTo(TRACES_PER_SESSION);
                assertThat(session.get("span_count").asLong()).as("spans of crash-%d", s)
                        .isEqualTo(TRACES_PER_SESSION * (1L + CHILDREN_PER_TRACE));
            }
        }
    }

    /** Each trace in two records (children first, then the root with the key), and one record in ten sent twice. */
    private void produceBacklog(String topic) throws Exception {
        Random random = new Random(7);
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.LINGER_MS_CONFIG, 20), new StringSerializer(), new ByteArraySerializer())) {
            int trace = 0;
            for (int t = 0; t < TRACES_PER_SESSION; t++) {
                for (int s = 0; s < SESSIONS; s++) {
                    trace++;
                    long root = trace * 100L;
                    List<Span.Builder> children = new ArrayList<>();
                    for (int c = 1; c <= CHILDREN_PER_TRACE; c++) {
                        children.add(span(trace, root + c, root, t * 1_000L + c, t * 1_000L + c + 10));
                    }
                    Span.Builder rootSpan = attr(attr(span(trace, root, 0, t * 1_000L, t * 1_000L + 500),
                            "session.id", "crash-" + s), "input.value", "question " + t);
                    for (byte[] value : List.of(OtlpTraces.request(children.toArray(Span.Builder[]::new)).toByteArray(),
                            OtlpTraces.request(rootSpan).toByteArray())) {
                        int copies = random.nextInt(10) == 0 ? 2 : 1;
                        for (int i = 0; i < copies; i++) {
                            producer.send(new ProducerRecord<>(topic, OtlpTraces.traceHex(trace), value));
                        }
                    }
                }
            }
            producer.flush();
        }
    }

    /** Traces counted over all sessions as the API reports them; 0 when the instance is not answering. */
    private long processedTraces(int port) {
        long total = 0;
        try {
            for (int s = 0; s < SESSIONS; s++) {
                SessionsApiClient.Response response = api(port).get("/api/v1/sessions/crash-" + s);
                if (response.statusCode() == 200) {
                    total += response.json().get("trace_count").asLong();
                }
            }
        } catch (UncheckedIOException e) {
            return 0;
        }
        return total;
    }

    private static SessionsApiClient api(int port) {
        return SessionsApiClient.of(port).withTimeout(Duration.ofSeconds(5));
    }
}
