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
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three aggregator instances of one application, with a standby copy of every store, against a real broker: every
 * instance answers for every session, lists and totals gather all three. Then one instance is killed: until the group
 * notices, the others answer for its sessions from their standby copies (flagged), and once they took over its
 * partitions, they answer for all sessions again.
 */
class MultiInstanceIT {
    private static final int SESSIONS = 12;
    private static final String REPLICA_HEADER = "x-sessionizer-replica";
    private static final String LOCAL_ONLY_HEADER = "x-sessionizer-local";
    /** How long the killed instance stays in the group: the window in which standbys answer for it. */
    private static final String VICTIM_SESSION_TIMEOUT_MS = "20000";

    private final KafkaTestCluster kafka = KafkaTestCluster.shared();
    private final List<AggregatorApp> apps = new ArrayList<>();
    private AggregatorProcess victim;

    @TempDir
    Path stateDir;

    @AfterEach
    void tearDown() throws Exception {
        apps.forEach(AggregatorApp::close);
        if (victim != null) {
            victim.close();
        }
    }

    @Test
    void shouldAnswerForEverySessionFromEveryInstanceAndFromStandbysWhenOneDies() throws Exception {
        String spansTopic = KafkaTestCluster.uniqueName("multi-spans");
        kafka.createTopics(6, spansTopic);
        Map<String, String> settings = AggregatorFixture.settings(kafka, stateDir, spansTopic, Map.of(
                "standby.replicas", "1",
                // Every instance signs and checks cursors with the same secret: lists gather the others' cursors.
                "api.cursor-secret", "multi-instance-it-secret-of-32-characters"));
        for (int i = 0; i < 2; i++) {
            Map<String, String> instance = new HashMap<>(settings);
            instance.put("state.dir", stateDir.resolve("instance-" + i).toString());
            apps.add(AggregatorFixture.start(instance));
        }
        Map<String, String> third = new HashMap<>(settings);
        third.putAll(Map.of("state.dir", stateDir.resolve("instance-2").toString(),
                "kafka.session.timeout.ms", VICTIM_SESSION_TIMEOUT_MS));
        victim = AggregatorProcess.start(third, stateDir.resolve("instance-2.log"));
        produceSessions(spansTopic);
        List<Integer> ports = List.of(apps.get(0).httpPort(), apps.get(1).httpPort(), victim.port());

        await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                .untilAsserted(() -> {
            for (int port : ports) {
                assertThat(api(port).get("/api/v1/stats").statusCode()).isEqualTo(200);
                assertThat(api(port).stats(Map.of()).get("traces").asLong()).isEqualTo(2L * SESSIONS);
            }
        });
        Set<String> victimSessions = new HashSet<>();
        long owned = 0;
        for (int port : ports) {
            JsonNode local = api(port).withHeader(LOCAL_ONLY_HEADER, "1").json("/api/v1/sessions?limit=500");
            local.get("sessions").forEach(s -> {
                if (port == victim.port()) {
                    victimSessions.add(s.get("session_id").asText());
                }
            });
            owned += local.get("sessions").size();
            assertThat(local.get("sessions").size()).as("each instance owns some sessions").isPositive();
        }
        assertThat(owned).isEqualTo(SESSIONS);

        for (int port : ports) {
            for (int i = 1; i <= SESSIONS; i++) {
                assertSession(port, i, false);
            }
            List<String> listed = new ArrayList<>();
            String cursor = null;
            do {
                JsonNode page = api(port).json("/api/v1/sessions?limit=5"
                        + (cursor == null ? "" : "&cursor=" + cursor));
                page.get("sessions").forEach(s -> listed.add(s.get("session_id").asText()));
                cursor = page.get("next_cursor").isNull() ? null : page.get("next_cursor").asText();
            } while (cursor != null);
            List<String> newestFirst = new ArrayList<>();
            for (int i = SESSIONS; i >= 1; i--) {
                newestFirst.add("m-" + i);
            }
            assertThat(listed).as("the list through port %d", port).isEqualTo(newestFirst);
            assertThat(api(port).search("question").get("sessions")).hasSize(SESSIONS);
            assertThat(api(port).search("seventh").get("sessions")).hasSize(1);
            JsonNode stats = api(port).stats(Map.of());
            assertThat(stats.get("sessions").asLong()).isEqualTo(SESSIONS);
            assertThat(stats.at("/token_count/total").asLong()).isEqualTo(expectedTokens());
        }

        // Killed: until its session timeout the group still names it the owner of its partitions, and the others
        // answer for its sessions from their standby copies, flagged.
        victim.kill();
        for (AggregatorApp app : apps) {
            for (String sessionId : victimSessions) {
                SessionsApiClient.Response response = api(app.httpPort()).get("/api/v1/sessions/" + sessionId);
                assertThat(response.statusCode()).as("%s during the fail-over", sessionId).isEqualTo(200);
                assertThat(response.headers().firstValue(REPLICA_HEADER)).contains("standby");
                assertSession(app.httpPort(), Integer.parseInt(sessionId.substring(2)), true);
            }
        }
        // Once the group noticed, the survivors own every partition and answer for every session from active stores.
        await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                .untilAsserted(() -> {
            for (AggregatorApp app : apps) {
                for (int i = 1; i <= SESSIONS; i++) {
                    SessionsApiClient.Response response = api(app.httpPort()).get("/api/v1/sessions/m-" + i);
                    assertThat(response.statusCode()).as("never a 500").isIn(200, 503);
                    if (response.statusCode() == 503) {
                        assertThat(response.headers().firstValue("retry-after")).isPresent();
                    }
                    assertThat(response.statusCode()).isEqualTo(200);
                    assertThat(response.headers().firstValue(REPLICA_HEADER)).isEmpty();
                }
                assertThat(api(app.httpPort()).stats(Map.of()).get("sessions").asLong()).isEqualTo(SESSIONS);
            }
        });
        for (AggregatorApp app : apps) {
            for (int i = 1; i <= SESSIONS; i++) {
                assertSession(app.httpPort(), i, false);
            }
        }
    }

    /** Session m-i: two traces, the first with i child spans, LLM token counts i*10 prompt and i completion. */
    private void produceSessions(String topic) throws Exception {
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()),
                new StringSerializer(), new ByteArraySerializer())) {
            for (int i = 1; i <= SESSIONS; i++) {
                int first = i * 2;
                List<Span.Builder> spans = new ArrayList<>();
                spans.add(attr(attr(span(first, 100, 0, i * 1_000L, i * 1_000L + 500), "session.id", "m-" + i),
                        "input.value", "question " + ordinal(i)));
                for (int c = 1; c <= i; c++) {
                    spans.add(span(first, 100 + c, 100, i * 1_000L + c, i * 1_000L + c + 10));
                }
                spans.add(llm(first, 200, i));
                producer.send(new ProducerRecord<>(topic, OtlpTraces.traceHex(first),
                        OtlpTraces.request(spans.toArray(Span.Builder[]::new)).toByteArray())).get();
                producer.send(new ProducerRecord<>(topic, OtlpTraces.traceHex(first + 1), OtlpTraces.request(
                        attr(attr(span(first + 1, 300, 0, i * 1_000L + 600, i * 1_000L + 900), "session.id", "m-" + i),
                                "output.value", "answer " + i)).toByteArray())).get();
            }
        }
    }

    private static Span.Builder llm(int trace, long spanId, int i) {
        return attr(attr(attr(span(trace, spanId, 100, i * 1_000L + 20, i * 1_000L + 400),
                "openinference.span.kind", "LLM"), "llm.token_count.prompt", i * 10L),
                "llm.token_count.completion", (long) i);
    }

    private static String ordinal(int i) {
        return i == 7 ? "seventh" : "number-" + i;
    }

    private static long expectedTokens() {
        return (long) SESSIONS * (SESSIONS + 1) / 2 * 11;
    }

    private void assertSession(int port, int i, boolean mayBeStandby) throws Exception {
        SessionsApiClient.Response response = api(port).get("/api/v1/sessions/m-" + i);
        assertThat(response.statusCode()).as("m-%d through port %d", i, port).isEqualTo(200);
        if (!mayBeStandby) {
            assertThat(response.headers().firstValue(REPLICA_HEADER)).isEmpty();
        }
        JsonNode session = response.json();
        assertThat(session.get("trace_count").asLong()).isEqualTo(2);
        assertThat(session.get("span_count").asLong()).isEqualTo(i + 3L);
        assertThat(session.at("/token_count/total").asLong()).isEqualTo(i * 11L);
        assertThat(session.at("/first_input/value").asText()).isEqualTo("question " + ordinal(i));
        assertThat(session.at("/last_output/value").asText()).isEqualTo("answer " + i);
        JsonNode turns = api(port).json("/api/v1/sessions/m-" + i + "/turns").get("turns");
        assertThat(turns).hasSize(2);
        assertThat(turns.get(0).at("/input/value").asText()).isEqualTo("question " + ordinal(i));
        // The query forms are forwarded like the path forms, and a turn cursor signed by the owner continues there.
        assertThat(api(port).json("/api/v1/session?session_id_base64=" + Base64.getUrlEncoder().withoutPadding()
                .encodeToString(("m-" + i).getBytes(StandardCharsets.UTF_8))).get("trace_count").asLong())
                .isEqualTo(2);
        JsonNode first = api(port).turns("m-" + i, Map.of("limit", "1"));
        JsonNode second = api(port).turns("m-" + i, Map.of("limit", "1", "cursor", first.get("next_cursor").asText()));
        assertThat(second.at("/turns/0/trace_id").asText()).isEqualTo(turns.get(1).get("trace_id").asText());
    }

    private static SessionsApiClient api(int port) {
        return SessionsApiClient.of(port);
    }
}
