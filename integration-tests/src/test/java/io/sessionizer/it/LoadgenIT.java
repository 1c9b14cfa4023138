package io.sessionizer.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sessionizer.launcher.SessionizerCli;
import io.sessionizer.testing.KafkaTestCluster;
import io.sessionizer.testing.SessionsApiClient;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code sessionizer loadgen} against an ingest and aggregator on a real broker: every span lands in a session. */
class LoadgenIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final KafkaTestCluster kafka = KafkaTestCluster.shared();
    private TestStack stack;

    @TempDir
    Path stateDir;

    @BeforeEach
    void startServices() {
        stack = TestStack.start(kafka, stateDir);
    }

    @AfterEach
    void stopServices() {
        stack.aggregator().close();
        stack.ingest().close();
    }

    private String loadgen(String... args) {
        StringWriter out = new StringWriter();
        int exit = SessionizerCli.commandLine().setOut(new PrintWriter(out)).execute(args);
        assertThat(exit).as(out.toString()).isZero();
        return out.toString();
    }

    private JsonNode stats() throws Exception {
        SessionsApiClient.Response response = SessionsApiClient.of(stack.aggregator().httpPort()).get("/api/v1/stats");
        return response.statusCode() == 200 ? response.json().path("totals") : JSON.createObjectNode();
    }

    @Test
    void shouldDeliverEverySpanOverHttpAndGrpcIntoSessions() throws Exception {
        // 200 spans: 40 turns of 5 spans, 10 sessions in flight with 2 turns each, so 20 sessions per run.
        String common = "--sessions=10 --turns=2 --spans-per-turn=5 --spans=200 --spans-per-request=50 --progress=0s";
        String overHttp = loadgen(("loadgen --protocol=http --endpoint=http://localhost:" + stack.ingest().httpPort()
                + " --seed=1 " + common).split(" "));
        String overGrpc = loadgen(("loadgen --protocol=grpc --endpoint=localhost:" + stack.ingest().grpcPort()
                + " --seed=2 " + common).split(" "));

        assertThat(overHttp).contains("Sending OTLP/HTTP", "Accepted 200 spans in 4 requests", "errors: none");
        assertThat(overGrpc).contains("Sending OTLP/gRPC", "Accepted 200 spans in 4 requests", "errors: none");
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            JsonNode stats = stats();
            assertThat(stats.path("traces").asLong()).isEqualTo(80);
            assertThat(stats.path("sessions").asLong()).isEqualTo(40);
        });
    }
}
