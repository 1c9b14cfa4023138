package io.sessionizer.aggregator;

import static io.sessionizer.aggregator.Otlp.attr;
import static io.sessionizer.aggregator.Otlp.span;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sessionizer.config.Config;
import io.sessionizer.testing.KafkaTestCluster;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two aggregator instances of one application against a real broker: any instance answers for every session, and the
 * survivor answers for all once the other left.
 */
class MultiInstanceIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int SESSIONS = 6;
    private final KafkaTestCluster kafka = KafkaTestCluster.shared();
    private final HttpClient http = HttpClient.newHttpClient();
    private final List<AggregatorApp> apps = new ArrayList<>();

    @TempDir
    Path stateDir;

    @AfterEach
    void tearDown() {
        apps.forEach(AggregatorApp::close);
    }

    private JsonNode get(AggregatorApp app, String path, boolean localOnly) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + app.httpPort() + path));
        if (localOnly) {
            request.header("x-sessionizer-local", "1");
        }
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(path).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    @Test
    void shouldAnswerForEverySessionFromEveryInstanceAndGatherListsAndTotals() throws Exception {
        String spansTopic = KafkaTestCluster.uniqueName("multi-spans");
        String applicationId = KafkaTestCluster.uniqueName("multi-aggregator");
        kafka.createTopics(3, spansTopic);
        for (int i = 0; i < 2; i++) {
            apps.add(AggregatorApp.start(Config.load(AggregatorSettings.all(), Map.of(), Map.of(
                    "http.port", "0",
                    "application.id", applicationId,
                    "state.dir", stateDir.resolve("instance-" + i).toString(),
                    "topic.spans", spansTopic,
                    "schema.registry.url", "mem://multi-instance-it",
                    "kafka.bootstrap.servers", kafka.bootstrapServers()))));
        }
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()),
                new StringSerializer(), new ByteArraySerializer())) {
            for (int i = 1; i <= SESSIONS; i++) {
                producer.send(new ProducerRecord<>(spansTopic, Otlp.traceHex(i), Otlp.request(
                        attr(attr(span(i, i * 100L, 0, i * 1_000L, i * 1_000L + 500), "session.id", "m-" + i),
                                "input.value", "question " + i)).toByteArray())).get();
            }
        }

        await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> {
            for (AggregatorApp app : apps) {
                assertThat(get(app, "/api/v1/stats", false).get("traces").asLong()).isEqualTo(SESSIONS);
            }
        });
        long onFirst = get(apps.get(0), "/api/v1/stats", true).get("sessions").asLong();
        long onSecond = get(apps.get(1), "/api/v1/stats", true).get("sessions").asLong();
        assertThat(onFirst + onSecond).isEqualTo(SESSIONS);
        assertThat(onFirst).as("each instance owns some sessions, so some lookups are forwarded").isPositive();
        assertThat(onSecond).isPositive();

        for (AggregatorApp app : apps) {
            for (int i = 1; i <= SESSIONS; i++) {
                assertThat(get(app, "/api/v1/sessions/m-" + i, false).get("trace_count").asLong()).isEqualTo(1);
                assertThat(get(app, "/api/v1/sessions/m-" + i + "/turns", false).at("/turns/0/input/value")
                        .asText()).isEqualTo("question " + i);
            }
            List<String> listed = new ArrayList<>();
            String cursor = null;
            do {
                JsonNode page = get(app, "/api/v1/sessions?limit=4" + (cursor == null ? "" : "&cursor=" + cursor),
                        false);
                page.get("sessions").forEach(s -> listed.add(s.get("session_id").asText()));
                cursor = page.get("next_cursor").isNull() ? null : page.get("next_cursor").asText();
            } while (cursor != null);
            assertThat(listed).containsExactly("m-6", "m-5", "m-4", "m-3", "m-2", "m-1");
            assertThat(get(app, "/api/v1/sessions?q=question", false).get("sessions")).hasSize(SESSIONS);
        }

        // Once the second instance left, the first takes over its partitions; meanwhile it answers 200 or 503.
        apps.remove(1).close();
        AggregatorApp survivor = apps.get(0);
        await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> {
            for (int i = 1; i <= SESSIONS; i++) {
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(
                        "http://localhost:" + survivor.httpPort() + "/api/v1/sessions/m-" + i)).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(response.statusCode()).as("never a 500").isIn(200, 503);
                if (response.statusCode() == 503) {
                    assertThat(response.headers().firstValue("retry-after")).isPresent();
                }
                assertThat(response.statusCode()).isEqualTo(200);
            }
            assertThat(get(survivor, "/api/v1/stats", true).get("sessions").asLong()).isEqualTo(SESSIONS);
        });
    }
}
