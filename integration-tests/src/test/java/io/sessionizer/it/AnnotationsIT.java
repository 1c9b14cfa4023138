package io.sessionizer.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.sessionizer.aggregator.AggregatorSettings;
import io.sessionizer.config.Config;
import io.sessionizer.config.RegistrySettings;
import io.sessionizer.schemas.SessionEvent;
import io.sessionizer.schemas.SessionEventType;
import io.sessionizer.schemas.serde.ConfluentAvroSerde;
import io.sessionizer.testing.KafkaTestCluster;
import io.sessionizer.testing.SessionsApiClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Annotations through the real broker, from the API's POST to what a user and a consumer see: the summary, the turn,
 * the list filtered, sorted and faceted on them, the {@code ANNOTATED} event; replace by identifier, delete, an
 * annotation of a session that has not arrived yet, and tenants kept apart.
 */
class AnnotationsIT {
    private static final String ACME_KEY = "acme-annotations-key";
    private static final String GLOBEX_KEY = "globex-annotations-key";
    private static final AttributeKey<String> SESSION_ID = AttributeKey.stringKey("session.id");
    private static final AttributeKey<String> INPUT = AttributeKey.stringKey("input.value");
    private static final AttributeKey<String> OUTPUT = AttributeKey.stringKey("output.value");
    private static final Duration VISIBLE = Duration.ofSeconds(60);

    private final KafkaTestCluster kafka = KafkaTestCluster.shared();
    private final List<SdkTracerProvider> tracing = new ArrayList<>();

    @TempDir
    Path stateDir;

    private TestStack stack;
    private SessionsApiClient acme;
    private SessionsApiClient globex;

    @BeforeEach
    void startServices() {
        stack = TestStack.start(kafka, stateDir,
                Map.of("auth.api-keys", ACME_KEY + "=acme," + GLOBEX_KEY + "=globex"));
        SessionsApiClient api = SessionsApiClient.of(stack.aggregator().httpPort());
        acme = api.withApiKey(ACME_KEY);
        globex = api.withApiKey(GLOBEX_KEY);
    }

    @AfterEach
    void stopServices() {
        tracing.forEach(t -> t.shutdown().join(10, TimeUnit.SECONDS));
        stack.aggregator().close();
        stack.ingest().close();
    }

    @Test
    void shouldShowAnAnnotationInTheSummaryTheTurnTheListAndTheEvents() throws Exception {
        send(ACME_KEY, "chat-1", "how do I reset my password?", "Click 'forgot password'.");
        send(ACME_KEY, "chat-2", "what is the weather?", "Sunny.");
        String trace = await().atMost(VISIBLE).ignoreExceptions().until(
                () -> acme.json("/api/v1/sessions/chat-1/turns").at("/turns/0/trace_id").asText(), t -> !t.isEmpty());
        await().atMost(VISIBLE).ignoreExceptions().until(() -> acme.get("/api/v1/sessions/chat-2").statusCode() == 200);

        String quality = accepted(acme.post("/api/v1/sessions/chat-1/annotations", """
                {"name": "quality", "label": "good", "score": 0.9, "annotator_kind": "HUMAN",
                 "explanation": "solved it", "metadata": {"reviewer": "ann"}}"""));
        accepted(acme.post("/api/v1/sessions/chat-2/annotations",
                "{\"name\": \"quality\", \"label\": \"bad\", \"score\": 0.2}"));
        String thumbs = accepted(acme.post("/api/v1/sessions/chat-1/turns/" + trace + "/annotations",
                "{\"name\": \"thumbs\", \"label\": \"down\", \"score\": 0, \"identifier\": \"ui\"}"));

        await().atMost(VISIBLE).ignoreExceptions().untilAsserted(() -> {
            JsonNode summary = acme.json("/api/v1/sessions/chat-1");
            JsonNode byName = byName(summary.get("annotations"));
            assertThat(byName.at("/quality/count").asLong()).isEqualTo(1);
            assertThat(byName.at("/quality/mean_score").asDouble()).isEqualTo(0.9);
            assertThat(byName.at("/quality/label_counts/good").asLong()).isEqualTo(1);
            assertThat(byName.at("/quality/latest/annotation_id").asText()).isEqualTo(quality);
            assertThat(byName.at("/quality/latest/metadata/reviewer").asText()).isEqualTo("ann");
            assertThat(byName.at("/thumbs/label_counts/down").asLong()).isEqualTo(1);
        });
        JsonNode turn = acme.json("/api/v1/sessions/chat-1/turns").at("/turns/0");
        assertThat(turn.at("/annotations/0/annotation_id").asText()).isEqualTo(thumbs);
        assertThat(turn.at("/annotations/0/trace_id").asText()).isEqualTo(trace);
        assertThat(acme.json("/api/v1/sessions/chat-1/annotations").get("annotations"))
                .extracting(a -> a.get("annotation_id").asText()).containsExactly(quality, thumbs);

        // The list: filter, sort and facet on the annotations, through the session index.
        await().atMost(VISIBLE).ignoreExceptions().untilAsserted(() ->
                assertThat(ids(acme.sessions(Map.of("annotation.quality.label", "good")))).containsExactly("chat-1"));
        assertThat(ids(acme.sessions(Map.of("annotation.quality.label", "bad")))).containsExactly("chat-2");
        assertThat(ids(acme.sessions(Map.of("annotation.quality.min_score", "0.5")))).containsExactly("chat-1");
        assertThat(ids(acme.sessions(Map.of("annotation.quality.max_score", "0.5")))).containsExactly("chat-2");
        assertThat(ids(acme.sessions(Map.of("annotation.thumbs.label", "down")))).containsExactly("chat-1");
        assertThat(ids(acme.sessions(Map.of("sort", "annotation.quality.score", "order", "asc"))))
                .containsExactly("chat-2", "chat-1");
        assertThat(ids(acme.sessions(Map.of("sort", "annotation.quality.score")))).containsExactly("chat-1", "chat-2");
        JsonNode facet = acme.json("/api/v1/sessions/facets?field=annotation.quality.label");
        assertThat(facet.get("values")).extracting(v -> v.get("value").asText() + "=" + v.get("count").asLong())
                .containsExactlyInAnyOrder("good=1", "bad=1");
        assertThat(acme.get("/api/v1/sessions?annotation.no%20such.label=x").statusCode()).isEqualTo(400);

        // A consumer of session-events sees one ANNOTATED per change, with the annotation's id and name.
        List<SessionEvent> events = events("acme/chat-1", 3);
        assertThat(events).filteredOn(e -> e.getType() == SessionEventType.ANNOTATED)
                .extracting(e -> e.getAnnotationId() + ":" + e.getAnnotationName() + ":" + e.getTraceId())
                .containsExactlyInAnyOrder(quality + ":quality:null", thumbs + ":thumbs:" + trace);
    }

    @Test
    void shouldReplaceByIdentifierDeleteAndShowAnAnnotationThatCameBeforeItsSession() throws Exception {
        String first = accepted(acme.post("/api/v1/sessions/early/annotations",
                "{\"name\": \"verdict\", \"label\": \"fail\", \"score\": 0, \"annotator_kind\": \"CODE\","
                        + " \"identifier\": \"rules-v1\"}"));
        String again = accepted(acme.post("/api/v1/sessions/early/annotations",
                "{\"name\": \"verdict\", \"label\": \"pass\", \"score\": 1, \"annotator_kind\": \"CODE\","
                        + " \"identifier\": \"rules-v1\"}"));
        assertThat(again).as("the same name and identifier name the same annotation").isEqualTo(first);
        String note = accepted(acme.post("/api/v1/sessions/early/annotations",
                "{\"name\": \"note\", \"label\": \"todo\"}"));
        // Readable before the session exists.
        await().atMost(VISIBLE).ignoreExceptions().untilAsserted(() ->
                assertThat(acme.json("/api/v1/sessions/early/annotations").get("annotations")).hasSize(2));

        send(ACME_KEY, "early", "hello", "hi");
        await().atMost(VISIBLE).ignoreExceptions().untilAsserted(() -> {
            JsonNode byName = byName(acme.json("/api/v1/sessions/early").get("annotations"));
            assertThat(byName.at("/verdict/count").asLong()).isEqualTo(1);
            assertThat(byName.at("/verdict/latest/label").asText()).isEqualTo("pass");
            assertThat(byName.at("/note/count").asLong()).isEqualTo(1);
        });

        assertThat(acme.delete("/api/v1/sessions/early/annotations/" + note).statusCode()).isEqualTo(202);
        await().atMost(VISIBLE).ignoreExceptions().untilAsserted(() ->
                assertThat(byName(acme.json("/api/v1/sessions/early").get("annotations")).has("note")).isFalse());
        assertThat(acme.json("/api/v1/sessions/early/annotations").get("annotations"))
                .extracting(a -> a.get("annotation_id").asText()).containsExactly(first);
    }

    @Test
    void shouldKeepTenantsAnnotationsApart() throws Exception {
        send(ACME_KEY, "shared", "acme's question", "acme's answer");
        send(GLOBEX_KEY, "shared", "globex's question", "globex's answer");
        await().atMost(VISIBLE).ignoreExceptions().until(() -> acme.get("/api/v1/sessions/shared").statusCode() == 200
                && globex.get("/api/v1/sessions/shared").statusCode() == 200);

        accepted(acme.post("/api/v1/sessions/shared/annotations", "{\"name\": \"quality\", \"label\": \"acme\"}"));
        await().atMost(VISIBLE).ignoreExceptions().untilAsserted(() ->
                assertThat(ids(acme.sessions(Map.of("annotation.quality.label", "acme")))).containsExactly("shared"));
        assertThat(globex.json("/api/v1/sessions/shared/annotations").get("annotations")).isEmpty();
        assertThat(globex.json("/api/v1/sessions/shared").get("annotations")).isEmpty();
        assertThat(ids(globex.sessions(Map.of("annotation.quality.label", "acme")))).isEmpty();

        // A session only acme has, annotated: globex is told it does not exist, as for any unknown session.
        send(ACME_KEY, "acme-only", "acme's secret question", "acme's secret answer");
        accepted(acme.post("/api/v1/sessions/acme-only/annotations", "{\"name\": \"quality\", \"label\": \"mine\"}"));
        await().atMost(VISIBLE).ignoreExceptions().untilAsserted(() ->
                assertThat(acme.json("/api/v1/sessions/acme-only/annotations").get("annotations"))
                        .extracting(a -> a.get("label").asText()).containsExactly("mine"));
        assertThat(globex.get("/api/v1/sessions/acme-only").statusCode()).isEqualTo(404);
        assertThat(globex.get("/api/v1/sessions/acme-only/annotations").statusCode()).isEqualTo(404);
        // Without a key, no write.
        assertThat(SessionsApiClient.of(stack.aggregator().httpPort())
                .post("/api/v1/sessions/shared/annotations", "{\"name\": \"quality\", \"label\": \"x\"}").statusCode())
                .isEqualTo(401);
    }

    /** The id of an annotation the API accepted: 202 with {@code annotation_id}. */
    private static String accepted(SessionsApiClient.Response response) {
        assertThat(response.statusCode()).as("%s: %s", response.path(), response.body()).isEqualTo(202);
        String id = response.json().path("annotation_id").asText();
        assertThat(id).isNotEmpty();
        return id;
    }

    /** A summary's {@code annotations} array as an object by name. */
    private static JsonNode byName(JsonNode annotations) {
        ObjectNode byName = JsonNodeFactory.instance.objectNode();
        annotations.forEach(a -> byName.set(a.get("name").asText(), a));
        return byName;
    }

    /** The events of one session key on session-events, read as a downstream consumer does, once at least n came. */
    private List<SessionEvent> events(String key, int atLeast) {
        Config config = Config.load(AggregatorSettings.all(), Map.of(), stack.aggregatorSettings());
        Deserializer<SessionEvent> values = ConfluentAvroSerde.forValue(RegistrySettings.fromConfig(config),
                SessionEvent.class).deserializer();
        List<SessionEvent> events = new ArrayList<>();
        try (KafkaConsumer<String, SessionEvent> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, KafkaTestCluster.uniqueName("events"),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"), new StringDeserializer(), values)) {
            consumer.subscribe(List.of(config.get(AggregatorSettings.EVENTS_TOPIC)));
            await().atMost(VISIBLE).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> {
                    if (key.equals(r.key())) {
                        events.add(r.value());
                    }
                });
                return events.size() >= atLeast;
            });
        }
        return events;
    }

    /** Sends one trace through the ingest with the SDK's OTLP/HTTP exporter and the tenant's key. */
    private void send(String key, String sessionId, String input, String output) {
        SdkTracerProvider provider = SdkTracerProvider.builder()
                .addSpanProcessor(SimpleSpanProcessor.create(OtlpHttpSpanExporter.builder()
                        .setEndpoint("http://localhost:" + stack.ingest().httpPort() + "/v1/traces")
                        .addHeader("Authorization", "Bearer " + key)
                        .build()))
                .build();
        tracing.add(provider);
        Tracer tracer = provider.get("annotations-it");
        Span span = tracer.spanBuilder("chat").setAttribute(SESSION_ID, sessionId).setAttribute(INPUT, input)
                .setAttribute(OUTPUT, output).startSpan();
        span.end();
        assertThat(provider.forceFlush().join(10, TimeUnit.SECONDS).isSuccess()).as("accepted by the ingest").isTrue();
    }

    private static List<String> ids(JsonNode page) {
        List<String> ids = new ArrayList<>();
        page.get("sessions").forEach(s -> ids.add(s.get("session_id").asText()));
        return ids;
    }
}
