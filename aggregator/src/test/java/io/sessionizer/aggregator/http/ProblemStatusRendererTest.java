package io.sessionizer.aggregator.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.server.Server;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What Armeria answers by itself under /api/ is problem+json too; elsewhere it keeps its own answers. */
class ProblemStatusRendererTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Server server;
    private WebClient client;

    @BeforeEach
    void start() {
        server = Server.builder()
                .http(0)
                .maxRequestLength(1024)
                .requestTimeout(Duration.ofMillis(300))
                .service("/api/v1/echo",
                        (ctx, req) -> HttpResponse.of(req.aggregate().thenApply(r -> HttpResponse.of("ok"))))
                .service("/api/v1/never", (ctx, req) -> HttpResponse.of(new CompletableFuture<>()))
                .service("/ui", (ctx, req) -> HttpResponse.of("ui"))
                .errorHandler(new ProblemStatusRenderer())
                .build();
        server.start().join();
        client = WebClient.of("http://127.0.0.1:" + server.activeLocalPort());
    }

    @AfterEach
    void stop() {
        server.stop().join();
    }

    @Test
    void shouldAnswerAnUnknownApiPathAsAProblem() throws Exception {
        assertProblem(client.get("/api/v1/nothing-here").aggregate().join(), HttpStatus.NOT_FOUND);
    }

    @Test
    void shouldAnswerABodyOverTheLimitAsAProblem() throws Exception {
        AggregatedHttpResponse response = client.execute(
                RequestHeaders.of(HttpMethod.POST, "/api/v1/echo"), "x".repeat(4096)).aggregate().join();
        assertProblem(response, HttpStatus.REQUEST_ENTITY_TOO_LARGE);
    }

    @Test
    void shouldAnswerATimeoutAsAProblemWithRetryAfter() throws Exception {
        AggregatedHttpResponse response = client.get("/api/v1/never").aggregate().join();
        assertProblem(response, HttpStatus.SERVICE_UNAVAILABLE);
        assertThat(response.headers().get("retry-after")).isEqualTo("1");
    }

    @Test
    void shouldKeepArmeriasOwnAnswersOutsideTheApi() {
        AggregatedHttpResponse response = client.get("/nothing-here").aggregate().join();
        assertThat(response.status()).isEqualTo(HttpStatus.NOT_FOUND);
        assertThat(response.contentType()).isNotEqualTo(Problems.PROBLEM_JSON);
    }

    private static void assertProblem(AggregatedHttpResponse response, HttpStatus status) throws Exception {
        assertThat(response.status()).isEqualTo(status);
        MediaType type = response.contentType();
        assertThat(type).isNotNull();
        assertThat(type.is(Problems.PROBLEM_JSON)).as("content type %s", type).isTrue();
        JsonNode body = JSON.readTree(response.contentUtf8());
        assertThat(body.get("status").asInt()).isEqualTo(status.code());
        assertThat(body.get("title").asText()).isEqualTo(status.reasonPhrase());
        assertThat(body.get("detail").asText()).isNotBlank();
    }
}
