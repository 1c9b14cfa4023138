package io.sessionizer.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.sessionizer.testing.KafkaTestCluster;
import io.sessionizer.testing.SessionsApiClient;
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
    private static final String ACME_KEY = "acme-secret-1";
    private static final String GLOBEX_KEY = "globex-secret-2";
    private static final AttributeKey<String> SESSION_ID = AttributeKey.stringKey("session.id");
    private static final AttributeKey<String> INPUT = AttributeKey.stringKey("input.value");

    private final KafkaTestCluster kafka = KafkaTestCluster.shared();
    private final List<SdkTracerProvider> tracing = new ArrayList<>();

    @TempDir
    Path stateDir;

    private TestStack stack;
    private SessionsApiClient api;
    private SessionsApiClient acme;
    private SessionsApiClient globex;

    @BeforeEach
    void startServices() {
        stack = TestStack.start(kafka, stateDir,
                Map.of("auth.api-keys", ACME_KEY + "=acme," + GLOBEX_KEY + "=globex"));
        api = SessionsApiClient.of(stack.aggregator().httpPort());
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
    void shouldShowEachTenantOnlyItsOwnSessions() throws Exception {
        send(ACME_KEY, "shared-chat", "acme asks about anvils");
        send(ACME_KEY, "acme-only", "acme orders rockets");
        send(GLOBEX_KEY, "shared-chat", "globex asks about volcanoes");

        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            assertThat(globex.stats(Map.of()).get("traces").asLong()).isEqualTo(1);
            assertThat(acme.stats(Map.of()).get("traces").asLong()).isEqualTo(2);
        });

        assertThat(ids(acme.json("/api/v1/sessions"))).containsExactlyInAnyOrder("shared-chat", "acme-only");
        assertThat(ids(globex.json("/api/v1/sessions"))).containsExactly("shared-chat");
        assertThat(acme.json("/api/v1/sessions/shared-chat").get("first_input").get("value").asText())
                .isEqualTo("acme asks about anvils");
        assertThat(globex.json("/api/v1/sessions/shared-chat/turns").at("/turns/0/input/value").asText())
                .isEqualTo("globex asks about volcanoes");
        assertThat(globex.get("/api/v1/sessions/acme-only").statusCode()).isEqualTo(404);
        assertThat(ids(globex.search("rockets"))).isEmpty();
        assertThat(ids(acme.search("rockets"))).containsExactly("acme-only");
    }

    @Test
    void shouldAnswer401WithoutAKnownKeyButServeHealthAndTheUi() throws Exception {
        for (String key : new String[] {null, "not-a-key"}) {
            for (String path : List.of("/api/v1/sessions", "/api/v1/sessions/shared-chat", "/api/v1/stats")) {
                SessionsApiClient.Response response = api.withApiKey(key).get(path);
                assertThat(response.statusCode()).as(path).isEqualTo(401);
                assertThat(response.headers().firstValue("www-authenticate")).contains("Bearer realm=\"sessionizer\"");
                assertThat(response.headers().firstValue("content-type")).contains("application/problem+json");
                assertThat(response.json().get("detail").asText()).isNotBlank();
            }
        }
        for (String path : List.of("/healthz", "/openapi.json", "/", "/ui/app.js")) {
            assertThat(api.get(path).statusCode()).as(path).isEqualTo(200);
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
}
