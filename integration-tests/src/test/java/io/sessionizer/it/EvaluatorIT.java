package io.sessionizer.it;

import static io.sessionizer.testing.OtlpTraces.attr;
import static io.sessionizer.testing.OtlpTraces.error;
import static io.sessionizer.testing.OtlpTraces.request;
import static io.sessionizer.testing.OtlpTraces.span;
import static io.sessionizer.testing.OtlpTraces.traceHex;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.opentelemetry.proto.trace.v1.Span;
import io.sessionizer.aggregator.AggregatorApp;
import io.sessionizer.aggregator.AggregatorFixture;
import io.sessionizer.config.Config;
import io.sessionizer.evaluator.LlmJudge;
import io.sessionizer.evaluator.run.Evaluator;
import io.sessionizer.evaluator.run.EvaluatorSettings;
import io.sessionizer.evaluator.run.Judges;
import io.sessionizer.testing.KafkaTestCluster;
import io.sessionizer.testing.SessionsApiClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sessionizer evaluate}'s loop end to end on the real broker: an aggregator whose sessions go idle after two
 * seconds, the evaluator consuming its {@code session-events} and writing verdicts through its API; the verdicts show
 * in the session's {@code annotations} summary and on the failed turn, and a session that resumes and ends again is
 * judged again, each verdict replaced rather than added. A session whose id no URL path carries is judged through the
 * API's query forms.
 */
class EvaluatorIT {
    private static final String SESSION = "evaluate-1";
    /** An id no path segment carries: the evaluator reads and writes it through the API's query forms. */
    private static final String ODD_SESSION = "team/a b?%";
    private static final Duration WAIT = Duration.ofSeconds(90);
    /** Sessions end this long after their last span... */
    private static final Duration IDLE_TIMEOUT = Duration.ofSeconds(2);
    /** ...checked this often. */
    private static final Duration PUNCTUATE_INTERVAL = Duration.ofMillis(200);
    /**
     * How long a session that an annotation had wrongly resumed would take to end again and be judged once more: the
     * idle timeout and a punctuation, with room for a slow machine (three idle timeouts).
     */
    private static final Duration RESUMED_SESSION_WOULD_END_AGAIN = IDLE_TIMEOUT.multipliedBy(3)
            .plus(PUNCTUATE_INTERVAL);
    private final KafkaTestCluster kafka = KafkaTestCluster.shared();

    @TempDir
    Path stateDir;

    private AggregatorApp aggregator;
    private String spans;
    private Evaluator evaluator;
    private Thread loop;
    private final List<String> progress = new CopyOnWriteArrayList<>();

    /** The no-network LLM judge of this test, plugged in by class name as --judge does. */
    public static final class Helpfulness extends LlmJudge {
        @Override
        protected String verdictName() {
            return "helpfulness";
        }

        @Override
        protected String instructions() {
            return "Did the assistant help?";
        }

        @Override
        protected String complete(String prompt) {
            boolean failed = prompt.contains("(This turn ended with an error.)");
            return "{\"label\": \"" + (failed ? "unhelpful" : "helpful") + "\", \"score\": " + (failed ? 0.25 : 0.75)
                    + ", \"explanation\": \"judged " + turns(prompt) + " turns\"}";
        }

        private static String turns(String prompt) {
            int start = prompt.indexOf("The conversation (") + "The conversation (".length();
            return prompt.substring(start, prompt.indexOf(' ', start));
        }
    }

    @BeforeEach
    void setUp() {
        spans = KafkaTestCluster.uniqueName("spans");
        kafka.createTopics(3, spans);
        Map<String, String> settings = AggregatorFixture.settings(kafka, stateDir, spans, Map.of(
                "session.idle-timeout", IDLE_TIMEOUT.toMillis() + "ms",
                "punctuate.interval", PUNCTUATE_INTERVAL.toMillis() + "ms",
                "topic.annotations", KafkaTestCluster.uniqueName("annotations")));
        aggregator = AggregatorFixture.start(settings);
        Config config = Config.load(EvaluatorSettings.all(), Map.of(), Map.of(
                "kafka.bootstrap.servers", kafka.bootstrapServers(),
                "topic.events", settings.get("topic.events"),
                "schema.registry.url", settings.get("schema.registry.url"),
                "evaluator.api-url", "http://localhost:" + aggregator.httpPort(),
                "evaluator.group", KafkaTestCluster.uniqueName("evaluator"),
                "evaluator.max-cost", "1",
                "evaluator.judges", Helpfulness.class.getName()));
        evaluator = new Evaluator(config, Judges.load(config), progress::add);
        loop = new Thread(evaluator::run, "evaluator-it");
        loop.start();
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        evaluator.close();
        loop.join(Duration.ofSeconds(30).toMillis());
        aggregator.close();
    }

    @Test
    void shouldAnnotateAnEndedSessionAndReplaceTheVerdictsWhenItEndsAgain() throws Exception {
        send(SESSION, 1, "What is a session?", "A conversation.", false);
        send(SESSION, 2, "Search the docs.", "The search failed.", true);
        send(ODD_SESSION, 9, "Anyone there?", " ", false);

        SessionsApiClient api = SessionsApiClient.of(aggregator.httpPort());
        // The LLM judge's verdict is written last, and annotations of a session are folded in order.
        await().atMost(WAIT).untilAsserted(() -> assertThat(latest(session(api), "helpfulness").path("explanation")
                .asText()).isEqualTo("judged 2 turns"));
        JsonNode first = session(api);
        assertThat(summaryOf(first, "has_error_turn").path("count").asLong()).isEqualTo(1);
        assertThat(latest(first, "has_error_turn").path("label").asText()).isEqualTo("fail");
        assertThat(latest(first, "has_error_turn").path("metadata").path("turns").asInt()).isEqualTo(2);
        assertThat(latest(first, "has_error_turn").path("annotator_kind").asText()).isEqualTo("CODE");
        assertThat(latest(first, "has_error_turn").path("identifier").asText()).isEqualTo("sessionizer-evaluate");
        assertThat(latest(first, "has_error_turn").path("score").asDouble()).isZero();
        assertThat(latest(first, "over_budget").path("label").asText()).isEqualTo("pass");
        assertThat(latest(first, "empty_answers").path("label").asText()).isEqualTo("pass");
        assertThat(latest(first, "helpfulness").path("annotator_kind").asText()).isEqualTo("LLM");
        assertThat(latest(first, "helpfulness").path("label").asText()).isEqualTo("unhelpful");
        assertThat(turnAnnotations(api, traceHex(2))).extracting(a -> a.path("name").asText())
                .containsExactly("error");
        assertThat(turnAnnotations(api, traceHex(1))).isEmpty();
        await().atMost(WAIT).untilAsserted(() -> assertThat(latest(api.session(ODD_SESSION), "helpfulness")
                .path("explanation").asText()).isEqualTo("judged 1 turns"));
        assertThat(latest(api.session(ODD_SESSION), "empty_answers").path("score").asDouble()).isEqualTo(1.0);
        assertThat(api.turns(ODD_SESSION, Map.of()).path("turns").get(0).path("annotations"))
                .extracting(a -> a.path("name").asText()).containsExactly("empty_answer");

        // The session resumes with one more turn and, an idle timeout later, ends again: judged again, nothing added.
        send(SESSION, 3, "Try again?", "Found it.", false);

        await().atMost(WAIT).untilAsserted(() -> assertThat(latest(session(api), "helpfulness").path("explanation")
                .asText()).isEqualTo("judged 3 turns"));
        JsonNode second = session(api);
        for (String name : List.of("has_error_turn", "error", "empty_answers", "over_budget", "helpfulness")) {
            assertThat(summaryOf(second, name).path("count").asLong()).as("annotations named %s", name).isEqualTo(1);
        }
        assertThat(latest(second, "has_error_turn").path("explanation").asText()).isEqualTo("1 of 3 turns failed.");
        assertThat(turnAnnotations(api, traceHex(2))).hasSize(1);
        assertThat(turnAnnotations(api, traceHex(3))).isEmpty();
        // The evaluator's own annotations (ANNOTATED events) neither resume the session nor get it judged again.
        await().during(RESUMED_SESSION_WOULD_END_AGAIN).atMost(WAIT).until(() -> judged() == 2);
    }

    private long judged() {
        return progress.stream().filter(line -> line.startsWith("Session " + SESSION + " ")).count();
    }

    private static JsonNode session(SessionsApiClient api) {
        return api.json("/api/v1/sessions/" + SESSION);
    }

    private static JsonNode latest(JsonNode summary, String name) {
        return summaryOf(summary, name).path("latest");
    }

    /** The per-name entry of a summary's {@code annotations}; a missing node when there is none. */
    private static JsonNode summaryOf(JsonNode summary, String name) {
        for (JsonNode entry : summary.path("annotations")) {
            if (name.equals(entry.path("name").asText())) {
                return entry;
            }
        }
        return summary.path("annotations").path(name);
    }

    private static List<JsonNode> turnAnnotations(SessionsApiClient api, String traceId) {
        for (JsonNode turn : api.json("/api/v1/sessions/" + SESSION + "/turns").path("turns")) {
            if (traceId.equals(turn.path("trace_id").asText())) {
                List<JsonNode> annotations = new ArrayList<>();
                turn.path("annotations").forEach(annotations::add);
                return annotations;
            }
        }
        throw new AssertionError("No turn " + traceId + " in session " + SESSION);
    }

    /** A turn of the session: an agent root with the input and answer, and one child, failed when {@code failed}. */
    private static byte[] turn(String sessionId, long trace, String input, String output, boolean failed) {
        long startMicros = trace * 10_000_000L;
        Span.Builder root = span(trace, 1, 0, startMicros, startMicros + 2_000_000);
        attr(root, "session.id", sessionId);
        attr(root, "openinference.span.kind", "AGENT");
        attr(root, "input.value", input);
        attr(root, "output.value", output);
        Span.Builder tool = span(trace, 2, 1, startMicros + 100_000, startMicros + 1_000_000).setName("search");
        attr(tool, "openinference.span.kind", "TOOL");
        if (failed) {
            error(tool);
        }
        return request(root, tool).toByteArray();
    }

    private void send(String sessionId, long trace, String input, String output, boolean failed) throws Exception {
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()),
                new StringSerializer(), new ByteArraySerializer())) {
            // Keyed by the hex trace id, as the ingest writes otlp_spans.
            producer.send(new ProducerRecord<>(spans, traceHex(trace),
                    turn(sessionId, trace, input, output, failed))).get();
        }
    }
}
