package io.sessionizer.aggregator.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sessionizer.aggregator.query.SessionIndexSearch;
import io.sessionizer.aggregator.query.SessionReader;
import io.sessionizer.aggregator.query.StatsWindow;
import io.sessionizer.schemas.Annotation;
import io.sessionizer.schemas.AnnotationSummary;
import io.sessionizer.schemas.Cost;
import io.sessionizer.schemas.IoValue;
import io.sessionizer.schemas.LatencyMs;
import io.sessionizer.schemas.LlmCall;
import io.sessionizer.schemas.SessionSummary;
import io.sessionizer.schemas.TokenCount;
import io.sessionizer.schemas.ToolCall;
import io.sessionizer.schemas.Turn;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/** The JSON of DESIGN.md's REST API: snake_case fields, times as ISO-8601 UTC with microseconds. */
public final class SessionJson {
    /** Always six fraction digits, so that times sort as text and keep the spans' microsecond precision. */
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'")
            .withZone(ZoneOffset.UTC);
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private SessionJson() {
    }

    public static ObjectNode summary(SessionSummary s) {
        ObjectNode node = NODES.objectNode();
        node.put("session_id", s.getSessionId());
        node.set("projects", strings(s.getProjects()));
        node.put("user_id", s.getUserId());
        node.set("first_input", io(s.getFirstInput()));
        node.set("last_output", io(s.getLastOutput()));
        node.put("start_time", time(s.getStartTime()));
        node.put("end_time", time(s.getEndTime()));
        node.put("trace_count", s.getTraceCount());
        node.put("traces_with_error", s.getTracesWithError());
        node.put("span_count", s.getSpanCount());
        node.put("llm_call_count", s.getLlmCallCount());
        node.set("token_count", tokens(s.getTokenCount()));
        node.set("cost", cost(s.getCost()));
        node.set("latency_ms", latency(s.getLatencyMs()));
        node.set("models", strings(s.getModels()));
        node.put("status", s.getStatus().name().toLowerCase(Locale.ROOT));
        node.put("updated_at", time(s.getUpdatedAt()));
        node.set("metadata", metadata(s.getMetadata()));
        node.set("tags", strings(s.getTags()));
        ArrayNode annotations = node.putArray("annotations");
        for (AnnotationSummary a : s.getAnnotations()) {
            ObjectNode n = annotations.addObject();
            n.put("name", a.getName());
            n.put("count", a.getCount());
            n.put("score_count", a.getScoreCount());
            n.put("mean_score", a.getMeanScore());
            ObjectNode labels = n.putObject("label_counts");
            new TreeMap<>(a.getLabelCounts()).forEach(labels::put);
            n.put("labels_cut", a.getLabelsCut());
            n.set("latest", annotation(a.getLatest()));
        }
        node.put("annotation_names_cut", s.getAnnotationNamesCut());
        node.put("annotations_dropped", s.getAnnotationsDropped());
        return node;
    }

    /** One annotation; its metadata, kept as JSON text, as the object it is. */
    public static ObjectNode annotation(Annotation a) {
        ObjectNode node = NODES.objectNode();
        node.put("annotation_id", a.getAnnotationId());
        node.put("trace_id", a.getTraceId());
        node.put("name", a.getName());
        node.put("label", a.getLabel());
        node.put("score", a.getScore());
        node.put("explanation", a.getExplanation());
        node.put("annotator_kind", a.getAnnotatorKind().name());
        node.put("identifier", a.getIdentifier());
        node.set("metadata", metadataObject(a.getMetadata()));
        node.put("created_at", time(a.getCreatedAt()));
        return node;
    }

    /** {@code {"annotations": [...]}}. */
    public static ObjectNode annotations(List<Annotation> annotations) {
        ObjectNode node = NODES.objectNode();
        ArrayNode array = node.putArray("annotations");
        annotations.forEach(a -> array.add(annotation(a)));
        return node;
    }

    /** The API stored the metadata as a JSON object's text; anything else (a record written by hand) as text. */
    private static JsonNode metadataObject(String text) {
        if (text == null) {
            return NODES.nullNode();
        }
        try {
            JsonNode parsed = JSON.readTree(text);
            return parsed != null && parsed.isObject() ? parsed : NODES.textNode(text);
        } catch (JsonProcessingException e) {
            return NODES.textNode(text);
        }
    }

    /** A session of a list; with a search, its best-matching turns as {@code matches}. */
    public static ObjectNode listed(SessionReader.Listed listed) {
        ObjectNode node = summary(listed.summary());
        if (!listed.matches().isEmpty()) {
            ArrayNode matches = node.putArray("matches");
            for (SessionReader.Match match : listed.matches()) {
                ObjectNode m = matches.addObject();
                m.put("trace_id", match.turn().getTraceId());
                m.put("start_time", time(match.turn().getStartTime()));
                m.put("field", match.field());
                m.put("snippet", match.snippet());
            }
        }
        return node;
    }

    /** {@code {"field": ..., "values": [{"value": ..., "count": n}...]}}: the {@code max} most frequent values. */
    public static ObjectNode facets(String field, Map<String, Long> counts, int max) {
        ObjectNode node = NODES.objectNode();
        node.put("field", field);
        ArrayNode values = node.putArray("values");
        counts.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
                .limit(max)
                .forEach(e -> values.addObject().put("value", e.getKey()).put("count", e.getValue()));
        return node;
    }

    /** A turn of a transcript: the fields DESIGN.md names, nothing internal. */
    public static ObjectNode turn(Turn t) {
        ObjectNode node = NODES.objectNode();
        node.put("trace_id", t.getTraceId());
        node.put("start_time", time(t.getStartTime()));
        node.put("end_time", time(t.getEndTime()));
        node.set("input", io(t.getInput()));
        node.set("output", io(t.getOutput()));
        node.put("status", t.getStatus().name().toLowerCase(Locale.ROOT));
        node.put("span_count", t.getSpanCount());
        node.put("llm_call_count", t.getLlmCallCount());
        node.set("token_count", tokens(t.getTokenCount()));
        node.set("cost", cost(t.getCost()));
        node.set("models", strings(t.getModels()));
        node.put("context_tokens", t.getContextTokens());
        ArrayNode llmCalls = node.putArray("llm_calls");
        for (LlmCall call : t.getLlmCalls()) {
            ObjectNode c = llmCalls.addObject();
            c.put("span_id", call.getSpanId());
            c.put("model", call.getModel());
            c.set("token_count", tokens(call.getTokenCount()));
            c.set("cost", cost(call.getCost().getPrompt(), call.getCost().getCompletion(), call.getCost().getTotal()));
            c.put("priced", call.getCost().getUnpricedCalls() == 0);
            c.put("start_time", time(call.getStartTime()));
            c.put("duration_ms", call.getDurationMs());
            c.put("status", call.getStatus().name().toLowerCase(Locale.ROOT));
        }
        node.put("llm_calls_cut", t.getLlmCallsCut());
        ArrayNode toolCalls = node.putArray("tool_calls");
        for (ToolCall call : t.getToolCalls()) {
            ObjectNode c = toolCalls.addObject();
            c.put("id", call.getId());
            c.put("name", call.getName());
            c.set("arguments", io(call.getArguments()));
            c.set("result", io(call.getResultValue()));
            c.put("status", call.getStatus().name().toLowerCase(Locale.ROOT));
            c.put("start_time", time(call.getStartTime()));
            c.put("duration_ms", call.getDurationMs());
        }
        node.put("tool_calls_cut", t.getToolCallsCut());
        ArrayNode annotations = node.putArray("annotations");
        t.getAnnotations().forEach(a -> annotations.add(annotation(a)));
        return node;
    }

    /** {@code {"turns": [...], "next_cursor": ...}}. */
    public static ObjectNode turns(List<Turn> turns, String nextCursor) {
        return page("turns", turns, SessionJson::turn, nextCursor);
    }

    /** {@code {"sessions": [...], "next_cursor": ...}}. */
    public static ObjectNode sessions(List<SessionSummary> sessions, String nextCursor) {
        return page("sessions", sessions, SessionJson::summary, nextCursor);
    }

    private static <T> ObjectNode page(String field, List<T> items, Function<T, ObjectNode> json, String nextCursor) {
        ObjectNode node = NODES.objectNode();
        ArrayNode array = node.putArray(field);
        items.forEach(item -> array.add(json.apply(item)));
        node.put("next_cursor", nextCursor);
        return node;
    }

    /**
     * {@code /api/v1/stats}: {@code {"totals": {...}, "interval": ..., "buckets": [...]}}, every bucket of the window
     * listed, empty ones too.
     */
    public static ObjectNode stats(SessionIndexSearch.Stats stats, StatsWindow window) {
        ObjectNode node = NODES.objectNode();
        SessionIndexSearch.Totals t = stats.totals();
        ObjectNode totals = node.putObject("totals");
        totals.put("sessions", t.sessions);
        totals.put("active_sessions", t.activeSessions);
        totals.put("traces", t.traces);
        totals.put("spans", t.spans);
        totals.put("traces_with_error", t.tracesWithError);
        totals.put("llm_calls", t.llmCalls);
        totals.set("token_count", tokens(t.promptTokens, t.completionTokens, t.totalTokens));
        totals.set("cost", cost(t.promptCost, t.completionCost, t.totalCost));
        node.put("from", time(window.from()));
        node.put("to", time(window.to()));
        node.put("interval", window.interval());
        ArrayNode buckets = node.putArray("buckets");
        for (int i = 0; i < window.buckets(); i++) {
            long start = window.fromMicros() + i * window.intervalMicros();
            SessionIndexSearch.Bucket b = stats.buckets().getOrDefault(start, new SessionIndexSearch.Bucket());
            ObjectNode bucket = buckets.addObject();
            bucket.put("start", time(Instant.EPOCH.plus(start, ChronoUnit.MICROS)));
            bucket.put("sessions_started", b.sessionsStarted);
            bucket.put("traces", b.traces);
            bucket.put("traces_with_error", b.tracesWithError);
            bucket.set("token_count", tokens(b.promptTokens, b.completionTokens, b.totalTokens));
            bucket.set("cost", cost(b.promptCost, b.completionCost, b.totalCost));
        }
        return node;
    }

    public static String time(Instant instant) {
        return instant == null ? null : TIME.format(instant);
    }

    private static ObjectNode io(IoValue value) {
        if (value == null) {
            return null;
        }
        ObjectNode node = NODES.objectNode();
        node.put("value", value.getValue());
        node.put("mime_type", value.getMimeType());
        node.put("truncated", value.getTruncated());
        node.put("original_size", value.getOriginalSize());
        return node;
    }

    private static ObjectNode tokens(TokenCount t) {
        ObjectNode node = tokens(t.getPrompt(), t.getCompletion(), t.getTotal());
        node.put("cache_read", t.getCacheRead());
        node.put("cache_write", t.getCacheWrite());
        node.put("reasoning", t.getReasoning());
        return node;
    }

    /** The stats' sums, which the index keeps without the cache and reasoning details. */
    private static ObjectNode tokens(long prompt, long completion, long total) {
        ObjectNode node = NODES.objectNode();
        node.put("prompt", prompt);
        node.put("completion", completion);
        node.put("total", total);
        return node;
    }

    private static ObjectNode cost(Cost c) {
        ObjectNode node = cost(c.getPrompt(), c.getCompletion(), c.getTotal());
        node.put("unpriced_calls", c.getUnpricedCalls());
        node.set("unpriced_models", strings(c.getUnpricedModels()));
        return node;
    }

    private static ObjectNode cost(double prompt, double completion, double total) {
        ObjectNode node = NODES.objectNode();
        node.put("prompt", prompt);
        node.put("completion", completion);
        node.put("total", total);
        return node;
    }

    private static ObjectNode latency(LatencyMs l) {
        ObjectNode node = NODES.objectNode();
        node.put("p50", l.getP50());
        node.put("p99", l.getP99());
        return node;
    }

    /** Keys in order, so that the same metadata always reads the same (an Avro map keeps no order). */
    private static ObjectNode metadata(Map<String, String> metadata) {
        ObjectNode node = NODES.objectNode();
        new TreeMap<>(metadata).forEach(node::put);
        return node;
    }

    private static ArrayNode strings(List<String> values) {
        ArrayNode array = NODES.arrayNode();
        values.forEach(array::add);
        return array;
    }
}
