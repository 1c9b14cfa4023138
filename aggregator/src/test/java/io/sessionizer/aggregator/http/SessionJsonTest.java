package io.sessionizer.aggregator.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.sessionizer.schemas.Cost;
import io.sessionizer.schemas.LatencyMs;
import io.sessionizer.schemas.LlmCall;
import io.sessionizer.schemas.SessionStatus;
import io.sessionizer.schemas.SessionSummary;
import io.sessionizer.schemas.TokenCount;
import io.sessionizer.schemas.ToolCall;
import io.sessionizer.schemas.ToolCallStatus;
import io.sessionizer.schemas.Turn;
import io.sessionizer.schemas.TurnStatus;
import io.sessionizer.schemas.Turns;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SessionJsonTest {
    private static SessionSummary.Builder summary() {
        return SessionSummary.newBuilder().setTenant("default").setSessionId("s-1").setProjects(List.of())
                .setStartTime(Instant.EPOCH).setEndTime(Instant.EPOCH).setUpdatedAt(Instant.EPOCH)
                .setTraceCount(1).setSpanCount(1).setTokenCount(Turns.tokens(0L, 0L, 0L))
                .setCost(Turns.cost(0.0, 0.0, 0.0)).setLatencyMs(new LatencyMs(null, null)).setModels(List.of())
                .setStatus(SessionStatus.ACTIVE);
    }

    @Test
    void shouldPutMetadataAsAnObjectInKeyOrderAndTagsAsAnArray() {
        JsonNode json = SessionJson.summary(summary()
                .setMetadata(Map.of("user.plan", "pro", "env", "prod", "attempt", "3"))
                .setTags(List.of("chat", "beta")).build());

        assertThat(json.get("metadata").isObject()).isTrue();
        assertThat(json.get("metadata").toString())
                .isEqualTo("{\"attempt\":\"3\",\"env\":\"prod\",\"user.plan\":\"pro\"}");
        assertThat(json.get("tags").toString()).isEqualTo("[\"chat\",\"beta\"]");
    }

    @Test
    void shouldPutEmptyMetadataAndTagsInASummaryWithout() {
        JsonNode json = SessionJson.summary(summary().build());

        assertThat(json.get("metadata").toString()).isEqualTo("{}");
        assertThat(json.get("tags").toString()).isEqualTo("[]");
    }

    @Test
    void shouldPutATurnsCallsTokenDetailsAndUnpricedCallsInSnakeCase() {
        Turn turn = Turns.turn("s-1", "0af7651916cd43dd8448eb211c80319c")
                .setLlmCallCount(2).setLlmCallsCut(1).setContextTokens(150L)
                .setTokenCount(new TokenCount(250L, 50L, 300L, 64L, 0L, 10L))
                .setCost(new Cost(0.01, 0.02, 0.03, 1L, List.of("acme-7b")))
                .setLlmCalls(List.of(LlmCall.newBuilder().setSpanId("00000000000000aa").setModel("acme-7b")
                        .setTokenCount(Turns.tokens(100L, 20L, 120L)).setCost(new Cost(0.0, 0.0, 0.0, 1L, List.of()))
                        .setStartTime(Instant.EPOCH).setDurationMs(900.0).setStatus(TurnStatus.OK).build()))
                .setToolCalls(List.of(ToolCall.newBuilder().setId("call_abc").setName("get_weather")
                        .setArguments(Turns.text("{\"city\":\"Paris\"}")).setResultValue(Turns.text("18"))
                        .setStatus(ToolCallStatus.OK).setStartTime(Instant.EPOCH).setDurationMs(200.0).build()))
                .build();

        JsonNode json = SessionJson.turn(turn);

        assertThat(json.get("llm_call_count").asInt()).isEqualTo(2);
        assertThat(json.get("llm_calls_cut").asInt()).isEqualTo(1);
        assertThat(json.get("context_tokens").asLong()).isEqualTo(150);
        assertThat(json.get("token_count").toString()).isEqualTo("{\"prompt\":250,\"completion\":50,\"total\":300,"
                + "\"cache_read\":64,\"cache_write\":0,\"reasoning\":10}");
        assertThat(json.get("cost").get("unpriced_calls").asLong()).isEqualTo(1);
        assertThat(json.get("cost").get("unpriced_models").toString()).isEqualTo("[\"acme-7b\"]");
        JsonNode call = json.get("llm_calls").get(0);
        assertThat(call.get("priced").asBoolean()).isFalse();
        assertThat(call.get("cost").has("unpriced_calls")).as("priced says it").isFalse();
        assertThat(call.get("status").asText()).isEqualTo("ok");
        JsonNode tool = json.get("tool_calls").get(0);
        assertThat(tool.get("result").get("value").asText()).as("result_value in Avro").isEqualTo("18");
        assertThat(tool.get("arguments").get("value").asText()).isEqualTo("{\"city\":\"Paris\"}");
        assertThat(tool.get("status").asText()).isEqualTo("ok");
        assertThat(tool.get("start_time").asText()).isEqualTo("1970-01-01T00:00:00.000000Z");
        assertThat(json.get("tool_calls_cut").asInt()).isZero();
    }
}
