package io.sessionizer.aggregator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServerBuilder;
import io.sessionizer.aggregator.domain.TurnLimits;
import io.sessionizer.aggregator.http.AnnotationWriter;
import io.sessionizer.aggregator.http.AnnotationsApi;
import io.sessionizer.aggregator.http.ApiScopes;
import io.sessionizer.aggregator.http.Problems;
import io.sessionizer.auth.ApiKeys;
import io.sessionizer.auth.TenantAuthentication;
import io.sessionizer.config.Config;
import io.sessionizer.config.ConfigException;
import io.sessionizer.config.RegistrySettings;
import io.sessionizer.schemas.AnnotationAction;
import io.sessionizer.schemas.AnnotatorKind;
import io.sessionizer.schemas.SessionAnnotation;
import io.sessionizer.schemas.registry.SchemaRegistryClient;
import io.sessionizer.schemas.serde.ConfluentAvroSerde;
import io.sessionizer.testing.KafkaTestCluster;
import io.sessionizer.testing.SessionsApiClient;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.avro.Schema;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The annotations API on a real broker: each accepted write is on {@code topic.annotations}, keyed by session as stage
 * 2 keys it, in the Confluent wire format; bad requests are 400 naming the field, large ones 413; and with the broker
 * down the answer is 503 with Retry-After within the produce timeout, never 202.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class AnnotationsApiIT {
    private static final String ACME_KEY = "acme-key-annotations-it";
    private static final String BETA_KEY = "beta-key-annotations-it";
    private static final String TRACE = "0AF7651916CD43DD8448EB211C80319C";
    private static final String JSON = "application/json";
    private static final String PROBLEM = "application/problem+json";

    private final KafkaTestCluster kafka = KafkaTestCluster.shared();

    @TempDir
    static Path stateDir;

    private String spansTopic;
    private String annotationsTopic;
    private Map<String, String> settings;
    private AggregatorApp app;
    private SessionsApiClient acme;
    private Deserializer<SessionAnnotation> values;
    private SchemaRegistryClient registry;
    private OpenApiSchema openApi;

    @BeforeAll
    void start() {
        spansTopic = KafkaTestCluster.uniqueName("annotations-spans");
        kafka.createTopics(3, spansTopic);
        settings = AggregatorFixture.settings(kafka, stateDir, spansTopic,
                Map.of("auth.api-keys", ACME_KEY + "=acme," + BETA_KEY + "=beta"));
        annotationsTopic = settings.get("topic.annotations");
        app = AggregatorFixture.start(settings);
        acme = SessionsApiClient.of(app.httpPort()).withApiKey(ACME_KEY);
        registry = RegistrySettings.fromConfig(config(settings));
        values = ConfluentAvroSerde.forValue(registry, SessionAnnotation.class).deserializer();
        openApi = new OpenApiSchema(acme.get("/openapi.json").ok().json());
    }

    @AfterAll
    void stop() {
        app.close();
    }

    private static Config config(Map<String, String> settings) {
        return Config.load(AggregatorSettings.all(), Map.of(), settings);
    }

    /** The records of the annotations topic with this key, decoded, waiting for {@code count} of them. */
    private List<SessionAnnotation> records(String key, int count) {
        List<SessionAnnotation> found = List.of();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (found.size() < count && System.nanoTime() < deadline) {
            found = kafka.consumeUntilQuiet(annotationsTopic, Duration.ofMillis(500)).stream()
                    .filter(r -> new String(r.key(), StandardCharsets.UTF_8).equals(key))
                    .map(this::decode)
                    .toList();
        }
        assertThat(found).as("records keyed %s", key).hasSizeGreaterThanOrEqualTo(count);
        return found;
    }

    /** A record's value, checked to be in the Confluent wire format with the id of the topic's subject. */
    private SessionAnnotation decode(ConsumerRecord<byte[], byte[]> record) {
        ByteBuffer bytes = ByteBuffer.wrap(record.value());
        assertThat(bytes.get()).as("magic byte").isZero();
        Schema writer = registry.schemaById(bytes.getInt());
        assertThat(writer).isEqualTo(SessionAnnotation.getClassSchema());
        return values.deserialize(annotationsTopic, record.value());
    }

    private String accepted(SessionsApiClient.Response response, String method, String path) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        assertThat(response.header("content-type").orElseThrow()).startsWith(JSON);
        openApi.check(response.json(), openApi.response(method, path, 202, JSON), method + " " + path);
        return response.json().get("annotation_id").asText();
    }

    @Test
    void shouldCreateTheTopicWithThePartitionsOfTheSpans() throws Exception {
        try (Admin admin = kafka.admin()) {
            assertThat(admin.describeTopics(List.of(annotationsTopic)).allTopicNames().get().get(annotationsTopic)
                    .partitions()).hasSize(3);
        }
    }

    @Test
    void shouldWriteAPostedSessionAnnotationKeyedByTenantAndSession() {
        Instant before = Instant.now();
        String id = accepted(acme.post("/api/v1/sessions/ann-1/annotations", "{\"name\": \"helpfulness\","
                + " \"label\": \"good\", \"score\": 0.75, \"explanation\": \"clear\", \"annotator_kind\": \"LLM\","
                + " \"metadata\": {\"model\": \"judge\"}}"), "post", "/api/v1/sessions/{session_id}/annotations");

        SessionAnnotation record = records("acme/ann-1", 1).get(0);
        assertThat(record.getTenant()).isEqualTo("acme");
        assertThat(record.getSessionId()).isEqualTo("ann-1");
        assertThat(record.getAction()).isEqualTo(AnnotationAction.PUT);
        assertThat(record.getAnnotationId()).isEqualTo(id);
        assertThat(record.getAnnotation().getAnnotationId()).isEqualTo(id);
        assertThat(record.getAnnotation().getTraceId()).isNull();
        assertThat(record.getAnnotation().getName()).isEqualTo("helpfulness");
        assertThat(record.getAnnotation().getLabel()).isEqualTo("good");
        assertThat(record.getAnnotation().getScore()).isEqualTo(0.75);
        assertThat(record.getAnnotation().getExplanation()).isEqualTo("clear");
        assertThat(record.getAnnotation().getAnnotatorKind()).isEqualTo(AnnotatorKind.LLM);
        assertThat(record.getAnnotation().getMetadata()).isEqualTo("{\"model\":\"judge\"}");
        assertThat(record.getAnnotation().getCreatedAt()).isBetween(before.minusMillis(1), Instant.now());
    }

    @Test
    void shouldWriteATurnAnnotationWithTheIdOfItsIdentifierAndDeleteIt() {
        String path = "/api/v1/sessions/ann-2/turns/" + TRACE + "/annotations";
        String body = "{\"name\": \"thumbs\", \"label\": \"down\", \"identifier\": \"ui\"}";
        String id = accepted(acme.post(path, body), "post",
                "/api/v1/sessions/{session_id}/turns/{trace_id}/annotations");
        assertThat(id).isEqualTo(UUID.nameUUIDFromBytes(("acme\0ann-2\0" + TRACE.toLowerCase() + "\0thumbs\0ui")
                .getBytes(StandardCharsets.UTF_8)).toString());
        assertThat(accepted(acme.post(path, body.replace("down", "up")), "post",
                "/api/v1/sessions/{session_id}/turns/{trace_id}/annotations")).as("replaced, not added").isEqualTo(id);
        accepted(acme.delete(path + "/" + id.toUpperCase()), "delete",
                "/api/v1/sessions/{session_id}/turns/{trace_id}/annotations/{annotation_id}");

        List<SessionAnnotation> records = records("acme/ann-2", 3);
        assertThat(records).extracting(SessionAnnotation::getAnnotationId).containsOnly(id);
        assertThat(records.get(0).getAnnotation().getTraceId()).isEqualTo(TRACE.toLowerCase());
        assertThat(records.get(1).getAnnotation().getLabel()).isEqualTo("up");
        assertThat(records.get(2).getAction()).isEqualTo(AnnotationAction.DELETE);
        assertThat(records.get(2).getAnnotation()).isNull();
    }

    @Test
    void shouldDeleteASessionAnnotationOfAnySessionEvenAnUnknownOne() {
        String id = UUID.randomUUID().toString();
        accepted(acme.delete("/api/v1/sessions/never-seen/annotations/" + id), "delete",
                "/api/v1/sessions/{session_id}/annotations/{annotation_id}");

        SessionAnnotation record = records("acme/never-seen", 1).get(0);
        assertThat(record.getAction()).isEqualTo(AnnotationAction.DELETE);
        assertThat(record.getAnnotationId()).isEqualTo(id);
    }

    @Test
    void shouldKeyEachTenantApartAndCutALongSessionIdAsTheTopologyDoes() {
        SessionsApiClient beta = SessionsApiClient.of(app.httpPort()).withApiKey(BETA_KEY);
        String longId = "long-" + "y".repeat(TurnLimits.MAX_SESSION_ID_CHARS);
        accepted(beta.post("/api/v1/sessions/" + longId + "/annotations", "{\"name\": \"n\", \"score\": 1}"),
                "post", "/api/v1/sessions/{session_id}/annotations");
        String odd = "a/b ?c";
        accepted(beta.post("/api/v1/session/annotations?session_id=" + URLEncoder.encode(odd, StandardCharsets.UTF_8)
                + "&trace_id=" + TRACE, "{\"name\": \"n\", \"score\": 2}"), "post", "/api/v1/session/annotations");

        String stored = TurnLimits.storedSessionId(longId);
        assertThat(records("beta/" + stored, 1).get(0).getSessionId()).isEqualTo(stored);
        SessionAnnotation byQuery = records("beta/" + odd, 1).get(0);
        assertThat(byQuery.getTenant()).isEqualTo("beta");
        assertThat(byQuery.getAnnotation().getTraceId()).isEqualTo(TRACE.toLowerCase());
        assertThat(SessionsApiClient.of(app.httpPort()).post("/api/v1/sessions/x/annotations",
                "{\"name\": \"n\", \"score\": 1}").statusCode()).as("without a key").isEqualTo(401);
    }

    @Test
    void shouldAnswer400NamingTheFieldAnd413ForALargeBody() {
        Map<String, String> bad = Map.of(
                "{\"label\": \"up\"}", "name",
                "{\"name\": \"x y\", \"label\": \"up\"}", "name",
                "{\"name\": \"x\"}", "label",
                "{\"name\": \"x\", \"score\": \"high\"}", "score",
                "{\"name\": \"x\", \"label\": \"up\", \"annotator_kind\": \"ROBOT\"}", "annotator_kind",
                "{\"name\": \"x\", \"label\": \"up\", \"metadata\": [1]}", "metadata",
                "{\"name\": \"x\", \"label\": \"up\", \"colour\": \"red\"}", "colour");
        bad.forEach((body, field) -> {
            SessionsApiClient.Response response = acme.post("/api/v1/sessions/s/annotations", body);
            assertBadRequest(response, field, "post", "/api/v1/sessions/{session_id}/annotations");
        });
        assertBadRequest(acme.post("/api/v1/sessions/s/turns/abc/annotations", "{\"name\": \"x\", \"score\": 1}"),
                "trace_id", "post", "/api/v1/sessions/{session_id}/turns/{trace_id}/annotations");
        assertBadRequest(acme.delete("/api/v1/sessions/s/annotations/not-an-id"), "annotation_id", "delete",
                "/api/v1/sessions/{session_id}/annotations/{annotation_id}");
        assertBadRequest(acme.post("/api/v1/session/annotations", "{\"name\": \"x\", \"score\": 1}"), "session_id",
                "post", "/api/v1/session/annotations");
        SessionsApiClient.Response notJson = acme.post("/api/v1/sessions/s/annotations", "{\"name\": ");
        assertThat(notJson.statusCode()).isEqualTo(400);
        assertThat(notJson.header("content-type")).hasValue(PROBLEM);

        String large = "{\"name\": \"x\", \"label\": \"up\", \"explanation\": \"" + "e".repeat(8 * 1024) + "\"}";
        SessionsApiClient.Response tooLarge = acme.post("/api/v1/sessions/s/annotations", large);
        assertThat(tooLarge.statusCode()).isEqualTo(413);
        assertThat(tooLarge.header("content-type")).hasValue(PROBLEM);
        assertThat(tooLarge.json().get("detail").asText()).contains("annotations.max-body-bytes");
        openApi.check(tooLarge.json(), openApi.response("post", "/api/v1/sessions/{session_id}/annotations", 413,
                PROBLEM), "413");
    }

    /** Without a Content-Length the limit is found while the body is read, and answered the same. */
    @Test
    void shouldAnswer413ForALargeBodyOfUnknownLength() throws Exception {
        byte[] large = ("{\"name\": \"x\", \"label\": \"" + "l".repeat(9 * 1024) + "\"}")
                .getBytes(StandardCharsets.UTF_8);
        HttpResponse<String> response = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(
                HttpRequest.newBuilder(URI.create("http://localhost:" + app.httpPort()
                                + "/api/v1/sessions/s/annotations"))
                        .header("Authorization", "Bearer " + ACME_KEY)
                        .timeout(Duration.ofSeconds(30))
                        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(large)))
                        .build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(response.headers().firstValue("content-type")).hasValue(PROBLEM);
    }

    @Test
    void shouldRefuseToStartWhenTheAnnotationsTopicIsNotCoPartitionedWithTheSpans(@TempDir Path otherState) {
        String spans = KafkaTestCluster.uniqueName("mismatch-spans");
        kafka.createTopics(3, spans);
        kafka.createTopics(2, spans + ".annotations");

        assertThatThrownBy(() -> AggregatorFixture.start(kafka, otherState, spans, Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("topic.annotations")
                .hasMessageContaining("2 partitions");
    }

    private void assertBadRequest(SessionsApiClient.Response response, String field, String method, String path) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
        assertThat(response.header("content-type")).hasValue(PROBLEM);
        assertThat(response.json().get("field").asText()).as(response.body()).isEqualTo(field);
        assertThat(response.json().get("detail").asText()).contains("'" + field + "'");
        openApi.check(response.json(), openApi.response(method, path, 400, PROBLEM), method + " " + path + " 400");
    }

    /**
     * The writer and the API alone, on a broker of their own that the test stops: Kafka Streams needs no broker to
     * answer this, and the shared broker must stay up for the other tests.
     */
    @Test
    void shouldAnswer503WithRetryAfterWithinTheProduceTimeoutWhileKafkaIsDown(@TempDir Path otherState)
            throws Exception {
        KafkaTestCluster own = KafkaTestCluster.start();
        try {
            String spans = KafkaTestCluster.uniqueName("down-spans");
            own.createTopics(3, spans, spans + ".annotations");
            Duration produceTimeout = Duration.ofSeconds(3);
            Config config = config(AggregatorFixture.settings(own, otherState, spans,
                    Map.of("annotations.produce-timeout", produceTimeout.toMillis() + "ms")));
            SchemaRegistryClient schemas = RegistrySettings.fromConfig(config);
            try (AnnotationWriter writer = AnnotationWriter.create(AggregatorApp.streamsProperties(config, 0),
                    config.get(AggregatorSettings.ANNOTATIONS_TOPIC), produceTimeout, schemas, 1024 * 1024)) {
                ServerBuilder builder = Server.builder().http(0);
                new AnnotationsApi(writer, produceTimeout, 8 * 1024, Clock.systemUTC()).addTo(builder)
                        .decoratorUnder("/api/", new TenantAuthentication(ApiKeys.none(), ApiScopes::of,
                                Problems.REJECTION));
                Server server = builder.build();
                server.start().join();
                try {
                    SessionsApiClient api = SessionsApiClient.of(server.activeLocalPort());
                    String body = "{\"name\": \"thumbs\", \"label\": \"up\"}";
                    assertThat(api.post("/api/v1/sessions/s/annotations", body).statusCode()).isEqualTo(202);

                    own.stopBroker();
                    for (String path : List.of("/api/v1/sessions/s/annotations",
                            "/api/v1/sessions/s/annotations/" + UUID.randomUUID())) {
                        long started = System.nanoTime();
                        SessionsApiClient.Response down = path.endsWith("annotations") ? api.post(path, body)
                                : api.delete(path);
                        Duration took = Duration.ofNanos(System.nanoTime() - started);
                        assertThat(down.statusCode()).as(path + ": " + down.body()).isEqualTo(503);
                        assertThat(down.header("retry-after")).hasValue("5");
                        assertThat(down.header("content-type")).hasValue(PROBLEM);
                        assertThat(took).as(path).isLessThan(produceTimeout.plusSeconds(2));
                    }

                    own.startBroker();
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                    int status = 0;
                    while (status != 202 && System.nanoTime() < deadline) {
                        status = api.post("/api/v1/sessions/s/annotations", body).statusCode();
                    }
                    assertThat(status).as("accepted again once Kafka is back").isEqualTo(202);
                } finally {
                    server.stop().join();
                }
            }
        } finally {
            own.stop();
        }
    }
}
