package io.sessionizer.evaluator;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * One turn of the session being judged, as {@code GET /api/v1/sessions/{session_id}/turns} serves it: the fields the
 * rules read, typed, and the whole JSON ({@link #json()}) for anything else (calls, tokens, models, annotations).
 *
 * @param traceId 32 lower-case hex digits
 * @param failed true when any span of the turn has status ERROR
 * @param input the user's input, null when the turn has none
 * @param output the answer, null when the turn has none
 * @param cost the turn's cost in USD
 */
public record TurnView(String traceId, boolean failed, String input, String output, double cost, JsonNode json) {

    /** The view of a turn's JSON. */
    public static TurnView of(JsonNode turn) {
        return new TurnView(turn.path("trace_id").asText(), "error".equals(turn.path("status").asText()),
                text(turn.path("input")), text(turn.path("output")), turn.path("cost").path("total").asDouble(), turn);
    }

    /** The LLM calls (by model) and tool calls (by name) of the turn that failed, in the order the API lists them. */
    public List<String> failedCalls() {
        List<String> failed = new ArrayList<>();
        for (JsonNode call : json.path("llm_calls")) {
            if ("error".equals(call.path("status").asText())) {
                failed.add("LLM call " + call.path("model").asText("(unknown model)"));
            }
        }
        for (JsonNode call : json.path("tool_calls")) {
            if ("error".equals(call.path("status").asText())) {
                failed.add("tool " + call.path("name").asText("(unnamed)"));
            }
        }
        return failed;
    }

    private static String text(JsonNode io) {
        JsonNode value = io.path("value");
        return value.isTextual() ? value.asText() : null;
    }
}
