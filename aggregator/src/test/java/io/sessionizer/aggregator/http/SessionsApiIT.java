package io.sessionizer.aggregator.http;

import static io.sessionizer.testing.OtlpTraces.attr;
import static io.sessionizer.testing.OtlpTraces.span;
import static io.sessionizer.schemas.records.RecordContract.DEFAULT_TENANT;
import static io.sessionizer.schemas.records.RecordContract.sessionKey;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.sessionizer.aggregator.AggregatorApp;
import io.sessionizer.aggregator.AggregatorFixture;
import io.sessionizer.aggregator.domain.TurnLimits;
import io.sessionizer.aggregator.query.SessionIndexSearch;
import io.sessionizer.aggregator.query.SessionQuery;
import io.sessionizer.aggregator.store.StoreKeys;
import io.sessionizer.testing.KafkaTestCluster;
import io.sessionizer.testing.OtlpTraces;
import io.sessionizer.testing.SessionsApiClient;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The REST API on a real broker for what a path cannot carry and what a client must not forge: every session id the
 * topology stores is reachable through {@code /api/v1/session?session_id=}, and a cursor is taken only as handed out.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SessionsApiIT {
    private static final String SECRET = "sessions-api-it-secret-of-32-characters";
    /** Longer than TurnLimits.MAX_SESSION_ID_CHARS: stored cut, with a hash suffix. */
    private static final String LONG_ID = "long-" + "x".repeat(295);
    /** Ids that no path segment carries, or that a path route would take for something else. */
    private static final List<String> IDS = List.of("..", "../../etc/passwd", "a/b", "x?y", "%2F", "nul\u0000byte",
            "facets", "plus+and space", "#hash&amp=1", ".", "ünï/cødé", LONG_ID);
    private static final int TURNS_OF_FIRST = 3;

    private final KafkaTestCluster kafka = KafkaTestCluster.shared();

    @TempDir
    static Path stateDir;

    private String spansTopic;
    private AggregatorApp app;
    private SessionsApiClient api;

    @BeforeAll
    void startAndSendSessions() throws Exception {
        spansTopic = KafkaTestCluster.uniqueName("api-spans");
        kafka.createTopics(3, spansTopic);
        app = AggregatorFixture.start(kafka, stateDir, spansTopic, Map.of("api.cursor-secret", SECRET));
        api = SessionsApiClient.of(app.httpPort());
        int trace = 1;
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()),
                new StringSerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < IDS.size(); i++) {
                int turns = i == 0 ? TURNS_OF_FIRST : 1;
                for (int t = 0; t < turns; t++) {
                    long start = i * 100_000L + t * 1_000L;
                    producer.send(new ProducerRecord<>(spansTopic, OtlpTraces.traceHex(trace), OtlpTraces.request(
                            attr(attr(span(trace, trace * 10L, 0, start, start + 500), "session.id", IDS.get(i)),
                                    "input.value", "question " + i + "." + t)).toByteArray())).get();
                    trace++;
                }
            }
        }
        int traces = trace - 1;
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250)).ignoreExceptions()
                .until(() -> api.stats(Map.of()).path("traces").asInt() == traces);
    }

    @AfterAll
    void stop() {
        if (app != null) {
            app.close();
        }
    }

    @Test
    void shouldListAndServeEverySessionIdThroughTheQueryForm() throws Exception {
        List<String> listed = new ArrayList<>();
        api.sessions(Map.of("limit", "500")).get("sessions").forEach(s -> listed.add(s.get("session_id").asText()));
        String cut = TurnLimits.storedSessionId(LONG_ID);
        assertThat(cut).hasSize(TurnLimits.MAX_SESSION_ID_CHARS).startsWith("long-xxx").contains("~");
        List<String> stored = new ArrayList<>(IDS.subList(0, IDS.size() - 1));
        stored.add(cut);
        assertThat(listed).containsExactlyInAnyOrderElementsOf(stored);

        for (int i = 0; i < stored.size(); i++) {
            // As a client does: the id read from the list, URL-encoded as any query value, or as base64url, which
            // carries any id (no URL carries a NUL: the HTTP server refuses it anywhere in a request target).
            String id = stored.get(i);
            List<String> asked = new ArrayList<>(
                    List.of("session_id_base64=" + base64(id.getBytes(StandardCharsets.UTF_8))));
            if (!id.contains("\u0000")) {
                asked.add("session_id=" + encode(id));
            } else {
                assertThat(api.get("/api/v1/session?session_id=" + encode(id)).statusCode()).isEqualTo(400);
            }
            for (String parameter : asked) {
                SessionsApiClient.Response summary = api.get("/api/v1/session?" + parameter);
                assertThat(summary.statusCode()).as("summary of %s", parameter).isEqualTo(200);
                assertThat(summary.json().get("session_id").asText()).isEqualTo(id);
                JsonNode turns = api.get("/api/v1/session/turns?limit=1&" + parameter).json();
                assertThat(turns.get("turns").get(0).at("/input/value").asText()).as("turns of %s", parameter)
                        .isEqualTo("question " + i + ".0");
            }
        }
        // The original long id finds the session too.
        assertThat(api.session(LONG_ID).get("session_id").asText()).isEqualTo(cut);
        // The path form serves plain ids; /api/v1/sessions/facets is the facets endpoint (DESIGN.md), so a session
        // named "facets" is asked for by the query form, as above.
        assertThat(api.get("/api/v1/sessions/facets").statusCode()).as("field is required").isEqualTo(400);
        assertThat(api.json("/api/v1/sessions/facets?field=project").get("field").asText()).isEqualTo("project");
        assertThat(api.get("/api/v1/sessions/" + encode(cut) + "/turns").statusCode()).isEqualTo(200);
    }

    @Test
    void shouldAnswerProblemJsonForAMissingOrUnknownSessionId() throws Exception {
        for (String path : List.of("/api/v1/session", "/api/v1/session?session_id=", "/api/v1/session/turns",
                "/api/v1/session/turns?session_id=..&limit=0", "/api/v1/session?session_id=a&session_id_base64=YQ",
                "/api/v1/session?session_id_base64=!!", "/api/v1/session?session_id_base64=_w")) {
            SessionsApiClient.Response response = api.get(path);
            assertThat(response.statusCode()).as(path).isEqualTo(400);
            assertThat(response.headers().firstValue("content-type")).as(path).hasValue("application/problem+json");
        }
        assertThat(api.get("/api/v1/session").json().get("detail").asText()).contains("session_id");
        for (String path : List.of("/api/v1/session?session_id=" + encode("../nope"),
                "/api/v1/session/turns?session_id_base64=" + base64("nope\u0000".getBytes(StandardCharsets.UTF_8)))) {
            SessionsApiClient.Response response = api.get(path);
            assertThat(response.statusCode()).as(path).isEqualTo(404);
            assertThat(response.headers().firstValue("content-type")).as(path).hasValue("application/problem+json");
        }
    }

    @Test
    void shouldTakeAnnotationFiltersSortAndFacetAndRefuseBadNamesWith400() throws Exception {
        // No session has an annotation: a score sort lists them all by key in either order, pages included.
        List<String> all = ids(api.sessions(Map.of("sort", "annotation.quality.score", "limit", "100")));
        assertThat(all).hasSize(IDS.size());
        for (String order : List.of("asc", "desc")) {
            List<String> walked = new ArrayList<>();
            Map<String, String> params = new LinkedHashMap<>(Map.of("sort", "annotation.quality.score", "order", order,
                    "limit", "5"));
            while (true) {
                JsonNode page = api.sessions(params);
                walked.addAll(ids(page));
                if (page.get("next_cursor").isNull()) {
                    break;
                }
                params.put("cursor", page.get("next_cursor").asText());
            }
            assertThat(walked).as(order).isEqualTo(all);
        }
        assertThat(api.sessions(Map.of("annotation.thumbs.label", "up")).get("sessions")).isEmpty();
        assertThat(api.stats(Map.of("annotation.quality.min_score", "0")).get("sessions").asLong()).isZero();
        JsonNode facet = api.json("/api/v1/sessions/facets?field=annotation.thumbs.label");
        assertThat(facet.get("field").asText()).isEqualTo("annotation.thumbs.label");
        assertThat(facet.get("values")).isEmpty();

        String cursor = api.sessions(Map.of("sort", "annotation.quality.score", "limit", "1")).get("next_cursor")
                .asText();
        Map<String, String> bad = new LinkedHashMap<>();
        bad.put("/api/v1/sessions?sort=annotation.thumbs.score&cursor=" + cursor, "cursor");
        bad.put("/api/v1/sessions?annotation.b%20d.label=up", "annotation.b d.label");
        bad.put("/api/v1/sessions?annotation.x.min_score=high", "annotation.x.min_score");
        bad.put("/api/v1/sessions?annotation.x.score=1", "annotation.x.score");
        bad.put("/api/v1/sessions?sort=annotation.b!d.score", "sort");
        bad.put("/api/v1/stats?annotation.x.max_score=NaN", "annotation.x.max_score");
        bad.put("/api/v1/sessions/facets?field=annotation.b!d.label", "field");
        bad.put("/api/v1/sessions/facets?field=annotation.x.score", "field");
        for (Map.Entry<String, String> entry : bad.entrySet()) {
            SessionsApiClient.Response response = api.get(entry.getKey());
            assertThat(response.statusCode()).as(entry.getKey()).isEqualTo(400);
            assertThat(response.json().get("detail").asText()).as(entry.getKey())
                    .contains("'" + entry.getValue() + "'");
        }
    }

    private static List<String> ids(JsonNode page) {
        List<String> ids = new ArrayList<>();
        page.get("sessions").forEach(s -> ids.add(s.get("session_id").asText()));
        return ids;
    }

    @Test
    void shouldContinueAPageWithAGenuineCursorAndRefuseEveryOtherWith400() throws Exception {
        JsonNode first = api.sessions(Map.of("limit", "2"));
        String cursor = first.get("next_cursor").asText();
        JsonNode second = api.sessions(Map.of("limit", "2", "cursor", cursor));
        assertThat(second.get("sessions")).hasSize(2);
        assertThat(second.get("sessions").get(0).get("session_id").asText())
                .isNotEqualTo(first.get("sessions").get(1).get("session_id").asText());

        byte[] genuine = Base64.getUrlDecoder().decode(cursor);
        byte[] flipped = genuine.clone();
        flipped[genuine.length / 2] ^= 0x01;
        // A well-formed key of this tenant, base64url as cursors were before they were signed.
        byte[] position = SessionIndexSearch.toBytes(new SessionIndexSearch.Position(SessionQuery.Sort.END_TIME,
                false, 1, sessionKey(DEFAULT_TENANT, "..")));
        String forged = base64(position);
        String foreign = new Cursors("another-deployment-secret-32-chars-long".getBytes(StandardCharsets.UTF_8))
                .encode(Cursors.Kind.SESSIONS, DEFAULT_TENANT, position);
        String turnsCursor = api.turns("..", Map.of("limit", "1")).get("next_cursor").asText();
        for (String bad : List.of(forged, base64(flipped), foreign, cursor.substring(0, cursor.length() - 2),
                cursor + "A", turnsCursor)) {
            SessionsApiClient.Response response = api.get("/api/v1/sessions?limit=2&cursor=" + bad);
            assertThat(response.statusCode()).as(bad).isEqualTo(400);
            assertThat(response.headers().firstValue("content-type")).hasValue("application/problem+json");
            assertThat(response.json().get("detail").asText()).contains("cursor");
        }

        // Turn cursors: the genuine one continues the transcript, a list cursor or another session's is refused.
        JsonNode rest = api.turns("..", Map.of("limit", "1", "cursor", turnsCursor));
        assertThat(rest.get("turns").get(0).at("/input/value").asText()).isEqualTo("question 0.1");
        assertThat(api.get("/api/v1/session/turns?session_id=..&cursor=" + cursor).statusCode()).isEqualTo(400);
        assertThat(api.get("/api/v1/session/turns?session_id=facets&cursor=" + turnsCursor).statusCode())
                .isEqualTo(400);
        String forgedTurns = base64(StoreKeys.transcriptFrom(sessionKey(DEFAULT_TENANT, "..")).get());
        assertThat(api.get("/api/v1/session/turns?session_id=..&cursor=" + forgedTurns).statusCode()).isEqualTo(400);
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    private static String base64(byte[] bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
