package io.sessionizer.evaluator;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The summary of the session being judged, as {@code GET /api/v1/sessions/{session_id}} serves it: the fields the
 * rules read, typed, and the whole JSON ({@link #json()}) for anything else (metadata, tags, models, annotations).
 *
 * @param tenant the tenant of the evaluator's API key
 * @param cost total cost in USD, from priced calls only
 * @param unpricedCalls LLM calls whose model has no price, so {@code cost} undercounts them
 * @param status {@code active} or {@code idle}
 */
public record SessionView(String tenant, String sessionId, long traceCount, long tracesWithError, double cost,
        long unpricedCalls, long totalTokens, String status, JsonNode json) {

    /** The view of a summary's JSON. */
    public static SessionView of(String tenant, JsonNode summary) {
        JsonNode cost = summary.path("cost");
        return new SessionView(tenant, summary.path("session_id").asText(), summary.path("trace_count").asLong(),
                summary.path("traces_with_error").asLong(), cost.path("total").asDouble(),
                cost.path("unpriced_calls").asLong(), summary.path("token_count").path("total").asLong(),
                summary.path("status").asText(), summary);
    }
}
