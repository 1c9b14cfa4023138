package io.sessionizer.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
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
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two tenants with API keys, the same keys for ingest and aggregator: each key sends spans through the ingest and
 * reads back only its own tenant's sessions, even where both use the same session id; other keys get 401.
 */
class TenantIsolationIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ACME_KEY = "acme-secret-1";
    private static final String GLOBEX_KEY = "globex-secret-2";
    private static final AttributeKey<String> SESSION_ID = AttributeKey.stringKey("session.id");
    private static final AttributeKey<String> INPUT = AttributeKey.stringKey("input.value");

    private final KafkaTestCluster kafka = KafkaTestCluster.shared();
    private final HttpClient http = HttpClient.newHttpClient();
    private final List<SdkTracerProvider> tracing = new ArrayList<>();

    @TempDir
    Path stateDir;

    private TestStack stack;

    @BeforeEach
    void startServices() {
        stack = TestStack.start(kafka, stateDir,
                Map.of("auth.api-keys", ACME_KEY + "=acme," + GLOBEX_KEY + "=globex"));
    }

    @AfterEach
    void stopServices() {
        tracing.forEach(t -> t.shutdown().join(10, TimeUnit.SECONDS));
        stack.aggregator().close();
        stack.ingest().close();
    }

    @Test
    void shouldShowEachTenantOnlyItsOwnSessions() throws Exception {
        send(ACME_KEY, "shared-chat", "acme asks about anvils");
        send(ACME_KEY, "acme-only", "acme orders rockets");
        send(GLOBEX_KEY, "shared-chat", "globex asks about volcanoes");

        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            assertThat(json(GLOBEX_KEY, "/api/v1/stats").get("traces").asLong()).isEqualTo(1);
            assertThat(json(ACME_KEY, "/api/v1/stats").get("traces").asLong()).isEqualTo(2);
        });

        assertThat(ids(json(ACME_KEY, "/api/v1/sessions"))).containsExactlyInAnyOrder("shared-chat", "acme-only");
        assertThat(ids(json(GLOBEX_KEY, "/api/v1/sessions"))).containsExactly("shared-chat");
        assertThat(json(ACME_KEY, "/api/v1/sessions/shared-chat").get("first_input").get("value").asText())
                .isEqualTo("acme asks about anvils");
        assertThat(json(GLOBEX_KEY, "/api/v1/sessions/shared-chat/turns").at("/turns/0/input/value").asText())
                .isEqualTo("globex asks about volcanoes");
        assertThat(get(GLOBEX_KEY, "/api/v1/sessions/acme-only").statusCode()).isEqualTo(404);
        assertThat(ids(json(GLOBEX_KEY, "/api/v1/sessions?q=rockets"))).isEmpty();
        assertThat(ids(json(ACME_KEY, "/api/v1/sessions?q=rockets"))).containsExactly("acme-only");
    }

    @Test
    void shouldAnswer401WithoutAKnownKeyButServeHealthAndTheUi() throws Exception {
        for (String key : new String[] {null, "not-a-key"}) {
            for (String path : List.of("/api/v1/sessions", "/api/v1/sessions/shared-chat", "/api/v1/stats")) {
                HttpResponse<String> response = get(key, path);
                assertThat(response.statusCode()).as(path).isEqualTo(401);
                assertThat(response.headers().firstValue("www-authenticate")).contains("Bearer realm=\"sessionizer\"");
                assertThat(response.headers().firstValue("content-type")).contains("application/problem+json");
                assertThat(JSON.readTree(response.body()).get("detail").asText()).isNotBlank();
            }
        }
        for (String path : List.of("/healthz", "/openapi.json", "/", "/ui/app.js")) {
            assertThat(get(null, path).statusCode()).as(path).isEqualTo(200);
        }
    }

    /** Sends one trace through the ingest with the SDK's OTLP/HTTP exporter and the tenant's key. */
    private void send(String key, String sessionId, String input) {
        SdkTracerProvider provider = SdkTracerProvider.builder()
                .addSpanProcessor(SimpleSpanProcessor.create(OtlpHttpSpanExporter.builder()
                        .setEndpoint("http://localhost:" + stack.ingest().httpPort() + "/v1/traces")
                        .addHeader("Authorization", "Bearer " + key)
                        .build()))
                .build();
        tracing.add(provider);
        Tracer tracer = provider.get("tenant-isolation-it");
        Span span = tracer.spanBuilder("chat").setAttribute(SESSION_ID, sessionId).setAttribute(INPUT, input)
                .startSpan();
        span.end();
        assertThat(provider.forceFlush().join(10, TimeUnit.SECONDS).isSuccess()).as("accepted by the ingest").isTrue();
    }

    private static List<String> ids(JsonNode page) {
        List<String> ids = new ArrayList<>();
        page.get("sessions").forEach(s -> ids.add(s.get("session_id").asText()));
        return ids;
    }

    private JsonNode json(String key, String path) throws Exception {
        HttpResponse<String> response = get(key, path);
        assertThat(response.statusCode()).as(path).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    private HttpResponse<String> get(String key, String path) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(
                URI.create("http://localhost:" + stack.aggregator().httpPort() + path));
        if (key != null) {
            request.header("Authorization", "Bearer " + key);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
