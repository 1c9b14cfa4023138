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
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The aggregator against a real KRaft broker, queried over its REST API. */
class AggregatorIT {
    private final KafkaTestCluster kafka = KafkaTestCluster.shared();

    @TempDir
    Path stateDir;

    private String spansTopic;
    private AggregatorApp app;
    private SessionsApiClient api;

    @BeforeEach
    void setUp() {
        spansTopic = KafkaTestCluster.uniqueName("spans");
        kafka.createTopics(3, spansTopic);
        app = AggregatorFixture.start(kafka, stateDir, spansTopic, Map.of());
        api = SessionsApiClient.of(app.httpPort());
    }

    @AfterEach
    void tearDown() {
        app.close();
    }

    private void produce(int trace, Span.Builder... spans) throws Exception {
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()),
                new StringSerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(spansTopic, OtlpTraces.traceHex(trace),
                    OtlpTraces.request(spans).toByteArray())).get();
        }
    }

    @Test
    void shouldServeSessionsBuiltFromTheSpansTopic() throws Exception {
        produce(1, attr(attr(attr(span(1, 100, 0, 0, 2_000), "session.id", "it-1"), "input.value", "hello"),
                "output.value", "hi there"), span(1, 101, 100, 10, 1_500));
        produce(2, attr(attr(attr(span(2, 200, 0, 5_000, 6_000), "session.id", "it-1"), "input.value", "bye"),
                "output.value", "goodbye"));

        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            SessionsApiClient.Response response = api.get("/api/v1/sessions/it-1");
            assertThat(response.statusCode()).isEqualTo(200);
            JsonNode session = response.json();
            assertThat(session.get("trace_count").asLong()).isEqualTo(2);
            assertThat(session.get("span_count").asLong()).isEqualTo(3);
        });
        JsonNode session = api.get("/api/v1/sessions/it-1").json();
        assertThat(session.get("session_id").asText()).isEqualTo("it-1");
        assertThat(session.get("start_time").asText()).isEqualTo("2026-01-01T00:00:00.000000Z");
        assertThat(session.get("end_time").asText()).isEqualTo("2026-01-01T00:00:00.006000Z");
        assertThat(session.get("first_input").get("value").asText()).isEqualTo("hello");
        assertThat(session.get("last_output").get("value").asText()).isEqualTo("goodbye");
        assertThat(session.get("status").asText()).isEqualTo("active");
    }

    private void conversation() throws Exception {
        Span.Builder first = attr(attr(attr(attr(span(1, 100, 0, 0, 2_000), "session.id", "it-1"), "input.value",
                "Where is the Louvre?"), "output.value", "In Paris"), "user.id", "ann");
        produce(1, first, attr(attr(span(1, 101, 100, 10, 1_500), "metadata", "{\"user\":{\"plan\":\"pro\"}}"),
                "tag.tags", "[\"museum\"]"));
        produce(2, attr(attr(attr(span(2, 200, 0, 5_000, 6_000), "session.id", "it-1"), "input.value", "bye"),
                "output.value", "goodbye"));
        produce(3, attr(attr(attr(span(3, 300, 0, 1_000, 3_000), "session.id", "it-2"), "input.value",
                "Weather in Lyon?"), "output.value", "Rain"));
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            JsonNode stats = api.get("/api/v1/stats").json();
            assertThat(stats.at("/totals/traces").asLong()).isEqualTo(3);
        });
    }

    @Test
    void shouldPageTurnsListSearchAndCountSessions() throws Exception {
        conversation();
        JsonNode turns = api.get("/api/v1/sessions/it-1/turns?limit=1").json();
        assertThat(turns.get("turns")).hasSize(1);
        assertThat(turns.get("turns").get(0).get("input").get("value").asText()).isEqualTo("Where is the Louvre?");
        assertThat(turns.get("turns").get(0).get("span_count").asInt()).isEqualTo(2);
        assertThat(turns.get("turns").get(0).get("status").asText()).isEqualTo("ok");
        String cursor = turns.get("next_cursor").asText();
        JsonNode rest = api.get("/api/v1/sessions/it-1/turns?limit=1&cursor=" + cursor).json();
        assertThat(rest.get("turns").get(0).get("output").get("value").asText()).isEqualTo("goodbye");
        assertThat(rest.get("next_cursor").isNull()).isTrue();

        JsonNode all = api.get("/api/v1/sessions").json();
        assertThat(all.get("sessions")).extracting(s -> s.get("session_id").asText()).containsExactly("it-1", "it-2");
        assertThat(all.get("next_cursor").isNull()).isTrue();
        JsonNode page = api.get("/api/v1/sessions?limit=1").json();
        JsonNode next = api.get("/api/v1/sessions?limit=1&cursor=" + page.get("next_cursor").asText()).json();
        assertThat(next.get("sessions").get(0).get("session_id").asText()).isEqualTo("it-2");
        JsonNode found = api.get("/api/v1/sessions?q=paris").json();
        assertThat(found.get("sessions")).extracting(s -> s.get("session_id").asText()).containsExactly("it-1");
        JsonNode byUser = api.get("/api/v1/sessions?user_id=ann").json();
        assertThat(byUser.get("sessions")).extracting(s -> s.get("session_id").asText()).containsExactly("it-1");

        JsonNode stats = api.get("/api/v1/stats?project=chat-app").json().get("totals");
        assertThat(stats.get("sessions").asLong()).isEqualTo(2);
        assertThat(stats.get("active_sessions").asLong()).isEqualTo(2);
    }

    @Test
    void shouldAnswer400ForABadLimitOrCursorAnd404ForTheTurnsOfAnUnknownSession() throws Exception {
        await().atMost(Duration.ofSeconds(60)).until(() -> api.get("/readyz").statusCode() == 200);
        for (String path : new String[] {"/api/v1/sessions?limit=0", "/api/v1/sessions?limit=501",
                "/api/v1/sessions?limit=ten", "/api/v1/sessions?cursor=!!", "/api/v1/sessions?cursor=AAE",
                "/api/v1/sessions/x/turns?limit=-1", "/api/v1/sessions/x/turns?cursor=AAAA"}) {
            SessionsApiClient.Response response = api.get(path);
            assertThat(response.statusCode()).as(path).isEqualTo(400);
            assertThat(response.headers().firstValue("content-type")).as(path).hasValue("application/problem+json");
        }
        assertThat(api.get("/api/v1/sessions/nope/turns").statusCode()).isEqualTo(404);
    }

    @Test
    void shouldAnswerEveryPathOfTheOpenApiDocumentAsItDeclares() throws Exception {
        conversation();
        SessionsApiClient.Response doc = api.get("/openapi.json");
        assertThat(doc.statusCode()).isEqualTo(200);
        JsonNode document = doc.json();
        OpenApiSchema schema = new OpenApiSchema(document);
        JsonNode summary = api.get("/api/v1/sessions/it-1").json();
        assertThat(summary.get("metadata").get("user.plan").asText()).isEqualTo("pro");
        assertThat(summary.get("tags").get(0).asText()).isEqualTo("museum");
        for (Iterator<String> paths = document.get("paths").fieldNames(); paths.hasNext(); ) {
            String path = paths.next();
            // The query forms (/api/v1/session...) take the id as a parameter, the others in the path.
            boolean queryForm = path.startsWith("/api/v1/session") && !path.startsWith("/api/v1/sessions");
            SessionsApiClient.Response response = api.get(path.replace("{session_id}", "it-1")
                    + (queryForm ? "?session_id=it-1" : ""));
            assertThat(response.statusCode()).as(path).isEqualTo(200);
            String mediaType = response.headers().firstValue("content-type").orElseThrow().split(";")[0];
            JsonNode declared = schema.response(path, 200, mediaType);
            if (mediaType.equals("application/json")) {
                schema.check(response.json(), declared, path);
            }
        }
        schema.check(api.get("/api/v1/sessions?q=lyon&project=chat-app&user_id=nobody").json(),
                schema.response("/api/v1/sessions", 200, "application/json"), "filtered sessions");
        schema.check(api.get("/api/v1/sessions/nope").json(),
                schema.response("/api/v1/sessions/{session_id}", 404, "application/problem+json"), "404");
        schema.check(api.get("/api/v1/sessions?limit=0").json(),
                schema.response("/api/v1/sessions", 400, "application/problem+json"), "400");
        schema.check(api.get("/api/v1/session").json(),
                schema.response("/api/v1/session", 400, "application/problem+json"), "400 without session_id");
        schema.check(api.get("/api/v1/session/turns?session_id=nope").json(),
                schema.response("/api/v1/session/turns", 404, "application/problem+json"), "404 by query");
    }

    @Test
    void shouldAnswerProblemJson404ForAnUnknownSession() throws Exception {
        await().atMost(Duration.ofSeconds(60)).until(() -> api.get("/readyz").statusCode() == 200);
        SessionsApiClient.Response response = api.get("/api/v1/sessions/nope");
        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(response.headers().firstValue("content-type")).hasValue("application/problem+json");
        JsonNode problem = response.json();
        assertThat(problem.get("status").asInt()).isEqualTo(404);
        assertThat(problem.get("detail").asText()).contains("nope");
    }

    @Test
    void shouldReportLivenessAndPrometheusMetrics() throws Exception {
        assertThat(api.get("/healthz").statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(60)).until(() -> api.get("/readyz").statusCode() == 200);
        SessionsApiClient.Response metrics = api.get("/metrics");
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body()).contains("jvm_memory_used_bytes", "kafka_stream");
    }
}
