package io.sessionizer.it;

import static io.sessionizer.testing.GenAiPayloads.logs;
import static io.sessionizer.testing.GenAiPayloads.resourceLogs;
import static io.sessionizer.testing.GenAiPayloads.resourceSpans;
import static io.sessionizer.testing.GenAiPayloads.scopeLogs;
import static io.sessionizer.testing.GenAiPayloads.scopeSpans;
import static io.sessionizer.testing.GenAiPayloads.traces;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.linecorp.armeria.client.grpc.GrpcClients;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.sessionizer.testing.GenAiPayloads;
import io.sessionizer.testing.GenAiPayloads.ChatCall;
import io.sessionizer.testing.GenAiPayloads.SpanIds;
import io.sessionizer.testing.GenAiPayloads.Tokens;
import io.sessionizer.testing.KafkaTestCluster;
import io.sessionizer.testing.SessionsApiClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An application instrumented only by the official OTel GenAI instrumentation: its spans carry no content, its message
 * events are log records. The spans go over OTLP/gRPC and the log records over OTLP/HTTP to the ingest, through a real
 * broker to the aggregator, and the turn's input, output and tool call are read back over REST.
 */
class GenAiLogsIT {
    private static final String SESSION = "genai-logs-1";
    private static final GenAiPayloads.ToolCall WEATHER = new GenAiPayloads.ToolCall("call_abc", "get_weather",
            "{\"city\":\"Paris\"}", "{\"temperature\":18}");
    private static final ChatCall ASK = ChatCall.toolCall("gpt-4o-mini", "Weather in Paris?", WEATHER,
            new Tokens(100, 20, 0, 0));
    private static final ChatCall ANSWER = ChatCall.answerAfterTool("gpt-4o-mini", "Weather in Paris?", WEATHER,
            "18 degrees and sunny.", new Tokens(150, 30, 64, 0));

    private static final InstrumentationScope OTEL = GenAiPayloads.OtelGenAi.SCOPE;
    private static final InstrumentationScope APP = GenAiPayloads.OtelGenAi.APP_SCOPE;

    private final KafkaTestCluster kafka = KafkaTestCluster.shared();

    @TempDir
    Path stateDir;

    private TestStack stack;

    @AfterEach
    void stop() {
        if (stack != null) {
            stack.ingest().close();
            stack.aggregator().close();
        }
    }

    @Test
    void shouldBuildTheTurnFromSpansOverGrpcAndMessageLogsOverHttp() throws Exception {
        stack = TestStack.start(kafka, stateDir);
        GenAiPayloads.OtelGenAi otel = GenAiPayloads.otelGenAi();
        SpanIds root = SpanIds.of(42, 1, 0, 0, 3_000_000);
        SpanIds first = SpanIds.of(42, 2, 1, 100_000, 1_000_000);
        SpanIds second = SpanIds.of(42, 3, 1, 1_200_000, 2_900_000);

        List<LogRecord> records = new ArrayList<>(otel.messageLogs(first, ASK));
        records.addAll(otel.messageLogs(second, ANSWER));
        ExportLogsServiceRequest logs = logs(resourceLogs("weather-agent", scopeLogs(OTEL, records)));
        HttpResponse<String> posted = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + stack.ingest().httpPort() + "/v1/logs"))
                .header("Content-Type", "application/x-protobuf")
                .POST(HttpRequest.BodyPublishers.ofByteArray(logs.toByteArray())).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(posted.statusCode()).as(posted.body()).isEqualTo(200);

        TraceServiceGrpc.TraceServiceBlockingStub grpc = GrpcClients.newClient(
                "http://127.0.0.1:" + stack.ingest().grpcPort(), TraceServiceGrpc.TraceServiceBlockingStub.class);
        grpc.export(traces(resourceSpans("weather-agent",
                scopeSpans(OTEL, otel.chatSpan(first, ASK), otel.chatSpan(second, ANSWER)),
                scopeSpans(APP, otel.conversationSpan(root, "weather-agent", SESSION)))));

        SessionsApiClient api = SessionsApiClient.of(stack.aggregator().httpPort());
        JsonNode turn = await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> {
            JsonNode turns = api.json("/api/v1/sessions/" + SESSION + "/turns").path("turns");
            return turns.size() == 1 && !turns.get(0).path("output").isNull()
                    && turns.get(0).path("span_count").asInt() == 3 ? turns.get(0) : null;
        }, t -> t != null);

        assertThat(turn.path("input").path("value").asText()).isEqualTo("Weather in Paris?");
        assertThat(turn.path("output").path("value").asText()).isEqualTo("18 degrees and sunny.");
        assertThat(turn.path("llm_call_count").asInt()).isEqualTo(2);
        assertThat(turn.path("context_tokens").asLong()).isEqualTo(150);
        assertThat(turn.path("tool_calls")).hasSize(1);
        JsonNode tool = turn.path("tool_calls").get(0);
        assertThat(tool.path("id").asText()).isEqualTo("call_abc");
        assertThat(tool.path("name").asText()).isEqualTo("get_weather");
        assertThat(tool.path("arguments").path("value").asText()).isEqualTo(WEATHER.arguments());
        assertThat(tool.path("result").path("value").asText()).isEqualTo(WEATHER.result());
        assertThat(turn.path("token_count").path("prompt").asLong()).isEqualTo(250);
        JsonNode summary = api.json("/api/v1/sessions/" + SESSION);
        assertThat(summary.path("first_input").path("value").asText()).isEqualTo("Weather in Paris?");
        assertThat(summary.path("cost").path("unpriced_calls").asLong()).isZero();
    }
}
