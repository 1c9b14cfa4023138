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
            assertThat(stats.path("totals").path("traces").asLong()).isEqualTo(3);
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

        JsonNode stats = api.get("/api/v1/stats?project=chat-app").json();
        assertThat(stats.get("totals").get("sessions").asLong()).isEqualTo(2);
        assertThat(stats.get("totals").get("active_sessions").asLong()).isEqualTo(2);
        // The conversation happened on 2026-01-01 between 00:00:00 and 00:00:00.006.
        JsonNode window = api.get("/api/v1/stats?from=2026-01-01T00:00:00Z&to=2026-01-01T01:00:00Z&interval=1m")
                .json();
        assertThat(window.get("interval").asText()).isEqualTo("1m");
        assertThat(window.get("buckets")).hasSize(60);
        JsonNode first = window.get("buckets").get(0);
        assertThat(first.get("start").asText()).isEqualTo("2026-01-01T00:00:00.000000Z");
        assertThat(first.get("sessions_started").asLong()).isEqualTo(2);
        assertThat(first.get("traces").asLong()).isEqualTo(3);
        assertThat(window.get("buckets").get(1).get("traces").asLong()).isZero();
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
    void shouldAnswer400ProblemJsonNamingABadFilterSortFacetFieldOrInterval() throws Exception {
        await().atMost(Duration.ofSeconds(60)).until(() -> api.get("/api/v1/sessions").statusCode() == 200);
        Map<String, String> badParameters = Map.ofEntries(
                Map.entry("/api/v1/sessions?sort=price", "sort"),
                Map.entry("/api/v1/sessions?sort=relevance", "sort"),
                Map.entry("/api/v1/sessions?order=up", "order"),
                Map.entry("/api/v1/sessions?status=busy", "status"),
                Map.entry("/api/v1/sessions?from=yesterday", "from"),
                Map.entry("/api/v1/sessions?from=2026-12-02T00:00:00Z&to=2026-12-01T00:00:00Z", "to"),
                Map.entry("/api/v1/sessions?has_error=maybe", "has_error"),
                Map.entry("/api/v1/sessions?min_cost=-1", "min_cost"),
                Map.entry("/api/v1/sessions?max_tokens=many", "max_tokens"),
                Map.entry("/api/v1/sessions?min_turns=1.5", "min_turns"),
                Map.entry("/api/v1/sessions?metadata.plan=a&metadata.plan=b", "metadata.plan"),
                Map.entry("/api/v1/sessions?colour=red", "colour"),
                Map.entry("/api/v1/sessions/facets", "field"),
                Map.entry("/api/v1/sessions/facets?field=colour", "field"),
                Map.entry("/api/v1/sessions/facets?field=model&tag=", "tag"),
                Map.entry("/api/v1/stats?interval=2h", "interval"),
                Map.entry("/api/v1/stats?from=2026-01-01T00:00:00Z&to=2026-12-01T00:00:00Z&interval=1m", "interval"),
                Map.entry("/api/v1/stats?max_cost=free", "max_cost"));
        badParameters.forEach((path, parameter) -> {
            SessionsApiClient.Response response = api.get(path);
            assertThat(response.statusCode()).as(path).isEqualTo(400);
            assertThat(response.headers().firstValue("content-type")).as(path).hasValue("application/problem+json");
            assertThat(response.json().get("detail").asText()).as(path).contains("'" + parameter + "'");
        });
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
            if (!document.get("paths").get(path).has("get")) {
                continue; // the writes (annotations) have tests of their own: AnnotationsApiIT
            }
            // The query forms (/api/v1/session...) take the id as a parameter, the others in the path.
            boolean queryForm = path.startsWith("/api/v1/session") && !path.startsWith("/api/v1/sessions");
            String query = queryForm ? "?session_id=it-1" : path.endsWith("/facets") ? "?field=model" : "";
            SessionsApiClient.Response response = api.get(path.replace("{session_id}", "it-1") + query);
            assertThat(response.statusCode()).as(path).isEqualTo(200);
            String mediaType = response.headers().firstValue("content-type").orElseThrow().split(";")[0];
            JsonNode declared = schema.response(path, 200, mediaType);
            if (mediaType.equals("application/json")) {
                schema.check(response.json(), declared, path);
            }
        }
        schema.check(api.get("/api/v1/sessions?q=lyon&project=chat-app&user_id=nobody").json(),
                schema.response("/api/v1/sessions", 200, "application/json"), "filtered sessions");
        JsonNode search = api.get("/api/v1/sessions?q=paris").json();
        JsonNode match = search.get("sessions").get(0).get("matches").get(0);
        assertThat(match.get("field").asText()).isEqualTo("output");
        assertThat(match.get("snippet").asText()).contains("<mark>Paris</mark>");
        schema.check(search, schema.response("/api/v1/sessions", 200, "application/json"), "search");
        JsonNode facets = api.get("/api/v1/sessions/facets?field=project").json();
        assertThat(facets.get("values").get(0).get("value").asText()).isEqualTo("chat-app");
        assertThat(facets.get("values").get(0).get("count").asLong()).isEqualTo(2);
        schema.check(facets, schema.response("/api/v1/sessions/facets", 200, "application/json"), "facets");
        JsonNode plans = api.get("/api/v1/sessions/facets?field=metadata.user.plan&tag=museum").json();
        assertThat(plans.get("values")).hasSize(1);
        schema.check(plans, schema.response("/api/v1/sessions/facets", 200, "application/json"), "metadata facet");
        JsonNode stats = api.get("/api/v1/stats?from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z&interval=1h"
                + "&metadata.user.plan=pro").json();
        assertThat(stats.get("totals").get("sessions").asLong()).isEqualTo(1);
        assertThat(stats.get("buckets")).hasSize(24);
        schema.check(stats, schema.response("/api/v1/stats", 200, "application/json"), "stats");
        schema.check(api.get("/api/v1/sessions/facets").json(),
                schema.response("/api/v1/sessions/facets", 400, "application/problem+json"), "400 of facets");
        schema.check(api.get("/api/v1/stats?interval=2h").json(),
                schema.response("/api/v1/stats", 400, "application/problem+json"), "400 of stats");
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
