package io.sessionizer.aggregator;

import static io.sessionizer.aggregator.Otlp.attr;
import static io.sessionizer.aggregator.Otlp.span;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.opentelemetry.proto.trace.v1.Span;
import io.sessionizer.config.Config;
import io.sessionizer.testing.KafkaTestCluster;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
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
    private static final ObjectMapper JSON = new ObjectMapper();
    private final KafkaTestCluster kafka = KafkaTestCluster.shared();
    private final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    Path stateDir;

    private String spansTopic;
    private AggregatorApp app;

    @BeforeEach
    void setUp() {
        spansTopic = KafkaTestCluster.uniqueName("spans");
        kafka.createTopics(3, spansTopic);
        app = AggregatorApp.start(Config.load(AggregatorSettings.all(), Map.of(), Map.of(
                "http.port", "0",
                "application.id", KafkaTestCluster.uniqueName("aggregator"),
                "state.dir", stateDir.toString(),
                "topic.spans", spansTopic,
                "schema.registry.url", "mem://aggregator-it",
                "kafka.bootstrap.servers", kafka.bootstrapServers())));
    }

    @AfterEach
    void tearDown() {
        app.close();
    }

    private void produce(int trace, Span.Builder... spans) throws Exception {
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()),
                new StringSerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(spansTopic, Otlp.traceHex(trace),
                    Otlp.request(spans).toByteArray())).get();
        }
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + app.httpPort() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void shouldServeSessionsBuiltFromTheSpansTopic() throws Exception {
        produce(1, attr(attr(attr(span(1, 100, 0, 0, 2_000), "session.id", "it-1"), "input.value", "hello"),
                "output.value", "hi there"), span(1, 101, 100, 10, 1_500));
        produce(2, attr(attr(attr(span(2, 200, 0, 5_000, 6_000), "session.id", "it-1"), "input.value", "bye"),
                "output.value", "goodbye"));

        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            HttpResponse<String> response = get("/api/v1/sessions/it-1");
            assertThat(response.statusCode()).isEqualTo(200);
            JsonNode session = JSON.readTree(response.body());
            assertThat(session.get("trace_count").asLong()).isEqualTo(2);
            assertThat(session.get("span_count").asLong()).isEqualTo(3);
        });
        JsonNode session = JSON.readTree(get("/api/v1/sessions/it-1").body());
        assertThat(session.get("session_id").asText()).isEqualTo("it-1");
        assertThat(session.get("start_time").asText()).isEqualTo("2026-01-01T00:00:00.000000Z");
        assertThat(session.get("end_time").asText()).isEqualTo("2026-01-01T00:00:00.006000Z");
        assertThat(session.get("first_input").get("value").asText()).isEqualTo("hello");
        assertThat(session.get("last_output").get("value").asText()).isEqualTo("goodbye");
        assertThat(session.get("status").asText()).isEqualTo("active");
    }

    @Test
    void shouldAnswerProblemJson404ForAnUnknownSession() throws Exception {
        await().atMost(Duration.ofSeconds(60)).until(() -> get("/readyz").statusCode() == 200);
        HttpResponse<String> response = get("/api/v1/sessions/nope");
        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(response.headers().firstValue("content-type")).hasValue("application/problem+json");
        JsonNode problem = JSON.readTree(response.body());
        assertThat(problem.get("status").asInt()).isEqualTo(404);
        assertThat(problem.get("detail").asText()).contains("nope");
    }

    @Test
    void shouldReportLivenessAndPrometheusMetrics() throws Exception {
        assertThat(get("/healthz").statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(60)).until(() -> get("/readyz").statusCode() == 200);
        HttpResponse<String> metrics = get("/metrics");
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body()).contains("jvm_memory_used_bytes", "kafka_stream");
    }
}
