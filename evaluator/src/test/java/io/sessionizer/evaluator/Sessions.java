package io.sessionizer.evaluator;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** Crafted session and turn JSON, shaped as the API serves them (SessionJson), for the judges' tests. */
public final class Sessions {
    public static final ObjectMapper JSON = new ObjectMapper();

    private Sessions() {
    }

    public static String traceId(int n) {
        return String.format(Locale.ROOT, "%032x", n);
    }

    /** A summary of {@code turns} turns costing {@code cost} USD. */
    public static ObjectNode summary(String sessionId, int turns, int failed, double cost, int unpricedCalls) {
        return (ObjectNode) parse("""
                {"session_id": "%s", "projects": ["demo"], "user_id": null,
                 "first_input": {"value": "hi", "mime_type": "text/plain", "truncated": false, "original_size": 2},
                 "last_output": null, "start_time": "2026-01-01T00:00:00.000000Z",
                 "end_time": "2026-01-01T00:01:00.000000Z", "trace_count": %d, "traces_with_error": %d,
                 "span_count": 10, "llm_call_count": 2,
                 "token_count": {"prompt": 100, "completion": 50, "total": 150, "cache_read": 0, "cache_write": 0,
                                 "reasoning": 0},
                 "cost": {"prompt": 0, "completion": 0, "total": %s, "unpriced_calls": %d, "unpriced_models": []},
                 "latency_ms": {"p50": 100, "p99": 200}, "models": ["gpt-4o"], "status": "idle",
                 "updated_at": "2026-01-01T00:01:00.000000Z", "metadata": {}, "tags": []}
                """.formatted(sessionId, turns, failed, Double.toString(cost), unpricedCalls));
    }

    /** A turn; {@code output} null leaves the output out as the API does (JSON null). */
    public static ObjectNode turn(int n, String status, String input, String output) {
        ObjectNode turn = (ObjectNode) parse("""
                {"trace_id": "%s", "start_time": "2026-01-01T00:00:0%d.000000Z",
                 "end_time": "2026-01-01T00:00:0%d.500000Z", "input": null, "output": null, "status": "%s",
                 "span_count": 3, "llm_call_count": 1,
                 "token_count": {"prompt": 10, "completion": 5, "total": 15, "cache_read": 0, "cache_write": 0,
                                 "reasoning": 0},
                 "cost": {"prompt": 0.001, "completion": 0.002, "total": 0.003, "unpriced_calls": 0,
                          "unpriced_models": []},
                 "models": ["gpt-4o"], "context_tokens": 10, "llm_calls": [], "llm_calls_cut": 0,
                 "tool_calls": [], "tool_calls_cut": 0}
                """.formatted(traceId(n), n % 10, n % 10, status));
        if (input != null) {
            turn.set("input", io(input));
        }
        if (output != null) {
            turn.set("output", io(output));
        }
        return turn;
    }

    /** Adds a call of {@code kind} ({@code llm_calls} or {@code tool_calls}) with its status. */
    public static ObjectNode withCall(ObjectNode turn, String kind, String nameOrModel, String status) {
        ObjectNode call = turn.withArray(kind).addObject();
        call.put(kind.equals("llm_calls") ? "model" : "name", nameOrModel);
        call.put("status", status);
        return turn;
    }

    public static List<TurnView> views(JsonNode... turns) {
        return Arrays.stream(turns).map(TurnView::of).toList();
    }

    private static JsonNode io(String value) {
        ObjectNode io = JSON.createObjectNode();
        io.put("value", value);
        io.put("mime_type", "text/plain");
        io.put("truncated", false);
        io.put("original_size", value.length());
        return io;
    }

    public static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
