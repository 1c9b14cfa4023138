package io.sessionizer.bench;

import static io.sessionizer.testing.OtlpTraces.attr;
import static io.sessionizer.testing.OtlpTraces.request;
import static io.sessionizer.testing.OtlpTraces.span;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.Span;
import io.sessionizer.aggregator.AggregatorApp;
import io.sessionizer.aggregator.AggregatorFixture;
import io.sessionizer.testing.KafkaTestCluster;
import io.sessionizer.testing.OtlpTraces;
import io.sessionizer.testing.SessionsApiClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
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
    private static final int SESSIONS = Integer.getInteger("restore.sessions", 50_000);
    private static final Duration LIMIT = Duration.ofMinutes(15);

    private final KafkaTestCluster kafka = KafkaTestCluster.shared();

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
            SessionsApiClient.Response response = SessionsApiClient.of(app.httpPort()).get("/api/v1/stats");
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.json().at("/totals/sessions").asLong()).isEqualTo(SESSIONS);
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
                producer.send(new ProducerRecord<>(topic, OtlpTraces.traceHex(i), trace(i)));
            }
            producer.flush();
        }
    }

    private static byte[] trace(int session) {
        long start = 1_764_000_000_000_000_000L + session * 1_000_000L;
        ByteString trace = OtlpTraces.traceId(session);
        Span.Builder root = span(trace, 1, 0, start, start + 1_500_000_000L).setName("chat");
        attr(root, "session.id", "restore-" + session);
        attr(root, "input.value", "What changed in order " + session + "?");
        attr(root, "output.value", "Order " + session + " shipped yesterday.");
        Span.Builder llm = attr(span(trace, 2, 1, start, start + 1_500_000_000L).setName("llm"),
                "openinference.span.kind", "LLM");
        return request(Resource.getDefaultInstance(), root, llm).toByteArray();
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
