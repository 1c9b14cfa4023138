package io.sessionizer.aggregator;

import static org.assertj.core.api.Assertions.assertThat;

import io.sessionizer.testing.KafkaTestCluster;
import io.sessionizer.testing.SessionsApiClient;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The query API's rate limit as the aggregator serves it: a key over its rate is answered 429 problem+json with
 * Retry-After, as the OpenAPI document declares, and another key is not.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ApiRateLimitIT {
    private static final String ALPHA_KEY = "alpha-key-rate-limit-it";
    private static final String BETA_KEY = "beta-key-rate-limit-it";

    private final KafkaTestCluster kafka = KafkaTestCluster.shared();

    @TempDir
    static Path stateDir;

    private AggregatorApp app;

    @BeforeAll
    void start() {
        String spansTopic = KafkaTestCluster.uniqueName("rate-limit-spans");
        kafka.createTopics(3, spansTopic);
        // Two requests at once, then one every 100 seconds: the third request of a key is refused.
        app = AggregatorFixture.start(kafka, stateDir, spansTopic, Map.of(
                "auth.api-keys", ALPHA_KEY + "=alpha," + BETA_KEY + "=beta",
                "api.rate-limit", "0.01", "api.rate-limit-burst", "2"));
    }

    @AfterAll
    void stop() {
        app.close();
    }

    @Test
    void shouldAnswer429ToTheKeyOverItsRateAndServeAnotherKey() {
        SessionsApiClient alpha = SessionsApiClient.of(app.httpPort()).withApiKey(ALPHA_KEY);
        SessionsApiClient beta = SessionsApiClient.of(app.httpPort()).withApiKey(BETA_KEY);
        OpenApiSchema openApi = new OpenApiSchema(alpha.get("/openapi.json").ok().json());
        assertThat(alpha.get("/api/v1/sessions").statusCode()).isNotEqualTo(429);
        assertThat(alpha.get("/api/v1/stats").statusCode()).isNotEqualTo(429);

        SessionsApiClient.Response refused = alpha.get("/api/v1/sessions");

        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(refused.header("content-type")).hasValue("application/problem+json");
        assertThat(Long.parseLong(refused.header("retry-after").orElseThrow())).isBetween(50L, 100L);
        openApi.check(refused.json(), openApi.response("/api/v1/sessions", 429, "application/problem+json"),
                "429");
        assertThat(refused.json().get("detail").asText())
                .isEqualTo("Too many requests: this API key may make 0.01 requests per second (2 at once); retry in "
                        + refused.header("retry-after").orElseThrow() + " s");
        assertThat(beta.get("/api/v1/sessions").statusCode()).isNotEqualTo(429);
        assertThat(alpha.get("/metrics").body()).contains("api_rate_limited_total{tenant=\"alpha\"} 1.0");
    }
}
