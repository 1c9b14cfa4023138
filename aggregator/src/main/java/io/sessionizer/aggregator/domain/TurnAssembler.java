package io.sessionizer.aggregator.domain;

import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import io.sessionizer.schemas.Cost;
import io.sessionizer.schemas.IoValue;
import io.sessionizer.schemas.TokenCount;
import io.sessionizer.schemas.Turn;
import io.sessionizer.schemas.TurnStatus;
import io.sessionizer.schemas.internal.TraceState;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Folds the spans of one trace, in any order and any number of batches, into the turn they describe (DESIGN.md, "What
 * a session holds"). A span seen before (same span id: a client retry) changes nothing.
 */
public final class TurnAssembler {
    private final SessionKeyResolver keys;

    public TurnAssembler(SessionKeyResolver keys) {
        this.keys = keys;
    }

    /** A new, empty trace; its times are set by the first span. */
    public static TraceState newTrace(String tenant, String traceId) {
        return TraceState.newBuilder()
                .setTenant(tenant)
                .setTraceId(traceId)
                .setStartMicros(Long.MAX_VALUE)
                .setEndMicros(Long.MIN_VALUE)
                .setModels(new ArrayList<>())
                .setSpanIds(new ArrayList<>())
                .build();
    }

    /** Span ids already counted for a trace; pass the same set to each {@link #add} of one batch. */
    public static Set<Long> seenSpans(TraceState state) {
        return new HashSet<>(state.getSpanIds());
    }

    /**
     * Adds one span to the trace.
     *
     * @return false when the span was seen before, or has no valid 8-byte id, and so changed nothing
     */
    public boolean add(TraceState state, Set<Long> seen, Resource resource, Span span) {
        if (span.getSpanId().size() != 8) {
            return false;
        }
        long spanId = span.getSpanId().asReadOnlyByteBuffer().getLong();
        if (!seen.add(spanId)) {
            return false;
        }
        state.getSpanIds().add(spanId);
        state.setSpanCount(state.getSpanCount() + 1);

        long start = span.getStartTimeUnixNano() / 1000;
        long end = Math.max(start, span.getEndTimeUnixNano() / 1000);
        state.setStartMicros(Math.min(state.getStartMicros(), start));
        state.setEndMicros(Math.max(state.getEndMicros(), end));
        if (span.getStatus().getCode() == Status.StatusCode.STATUS_CODE_ERROR) {
            state.setError(true);
        }
        if (state.getProject() == null) {
            state.setProject(project(resource));
        }
        if (state.getSessionId() == null) {
            state.setSessionId(keys.resolve(span.getAttributesList()));
        }
        applyAttributes(state, span.getAttributesList(), span.getParentSpanId().isEmpty());
        return true;
    }

    private static String project(Resource resource) {
        String project = Attributes.find(resource.getAttributesList(), "openinference.project.name");
        return project != null ? project : Attributes.find(resource.getAttributesList(), "service.name");
    }

    /** One pass over the span's attributes; tokens, costs and models count on LLM spans only. */
    private static void applyAttributes(TraceState state, List<KeyValue> attributes, boolean root) {
        String inputValue = null;
        String inputMime = null;
        String outputValue = null;
        String outputMime = null;
        String kind = null;
        String genAiOperation = null;
        Long promptTokens = null;
        Long completionTokens = null;
        Long totalTokens = null;
        Double promptCost = null;
        Double completionCost = null;
        Double totalCost = null;
        String model = null;
        String requestModel = null;
        for (KeyValue kv : attributes) {
            switch (kv.getKey()) {
                case "input.value" -> inputValue = Attributes.asString(kv.getValue());
                case "input.mime_type" -> inputMime = Attributes.asString(kv.getValue());
                case "output.value" -> outputValue = Attributes.asString(kv.getValue());
                case "output.mime_type" -> outputMime = Attributes.asString(kv.getValue());
                case "openinference.span.kind" -> kind = Attributes.asString(kv.getValue());
                case "gen_ai.operation.name" -> genAiOperation = Attributes.asString(kv.getValue());
                case "llm.token_count.prompt", "gen_ai.usage.input_tokens" ->
                        promptTokens = Attributes.asLong(kv.getValue());
                case "llm.token_count.completion", "gen_ai.usage.output_tokens" ->
                        completionTokens = Attributes.asLong(kv.getValue());
                case "llm.token_count.total" -> totalTokens = Attributes.asLong(kv.getValue());
                case "llm.cost.prompt" -> promptCost = Attributes.asDouble(kv.getValue());
                case "llm.cost.completion" -> completionCost = Attributes.asDouble(kv.getValue());
                case "llm.cost.total" -> totalCost = Attributes.asDouble(kv.getValue());
                case "llm.model_name", "gen_ai.response.model" -> model = Attributes.asString(kv.getValue());
                case "gen_ai.request.model" -> requestModel = Attributes.asString(kv.getValue());
                case "user.id" -> {
                    if (state.getUserId() == null) {
                        state.setUserId(Attributes.asString(kv.getValue()));
                    }
                }
                default -> {
                }
            }
        }
        if (root && inputValue != null) {
            state.setInput(new IoValue(inputValue, inputMime));
            state.setInputFromRoot(true);
        }
        if (root && outputValue != null) {
            state.setOutput(new IoValue(outputValue, outputMime));
            state.setOutputFromRoot(true);
        }
        boolean llm = kind != null ? kind.equalsIgnoreCase("LLM") : isGenAiInference(genAiOperation);
        if (!llm) {
            return;
        }
        state.setLlmCallCount(state.getLlmCallCount() + 1);
        long prompt = promptTokens == null ? 0 : promptTokens;
        long completion = completionTokens == null ? 0 : completionTokens;
        state.setPromptTokens(state.getPromptTokens() + prompt);
        state.setCompletionTokens(state.getCompletionTokens() + completion);
        state.setTotalTokens(state.getTotalTokens() + (totalTokens != null ? totalTokens : prompt + completion));
        double promptUsd = promptCost == null ? 0 : promptCost;
        double completionUsd = completionCost == null ? 0 : completionCost;
        state.setPromptCost(state.getPromptCost() + promptUsd);
        state.setCompletionCost(state.getCompletionCost() + completionUsd);
        state.setTotalCost(state.getTotalCost() + (totalCost != null ? totalCost : promptUsd + completionUsd));
        String usedModel = model != null ? model : requestModel;
        if (usedModel != null && !state.getModels().contains(usedModel)) {
            state.getModels().add(usedModel);
        }
    }

    /** OTel GenAI spans have no OpenInference kind; these operations are model calls that use tokens. */
    private static boolean isGenAiInference(String operation) {
        return operation != null && switch (operation) {
            case "chat", "text_completion", "generate_content" -> true;
            default -> false;
        };
    }

    /** The turn as it stands; only for a trace whose session is known. */
    public static Turn toTurn(TraceState state, Instant now) {
        if (state.getSessionId() == null) {
            throw new IllegalStateException("Trace " + state.getTraceId() + " has no session yet");
        }
        return Turn.newBuilder()
                .setTenant(state.getTenant())
                .setSessionId(state.getSessionId())
                .setTraceId(state.getTraceId())
                .setStartTime(micros(state.getStartMicros()))
                .setEndTime(micros(state.getEndMicros()))
                .setInput(state.getInput())
                .setOutput(state.getOutput())
                .setStatus(state.getError() ? TurnStatus.ERROR : TurnStatus.OK)
                .setSpanCount(state.getSpanCount())
                .setLlmCallCount(state.getLlmCallCount())
                .setTokenCount(new TokenCount(state.getPromptTokens(), state.getCompletionTokens(),
                        state.getTotalTokens()))
                .setCost(new Cost(state.getPromptCost(), state.getCompletionCost(), state.getTotalCost()))
                .setModels(new ArrayList<>(state.getModels()))
                .setProject(state.getProject())
                .setUserId(state.getUserId())
                .setUpdatedAt(now)
                .build();
    }

    static Instant micros(long epochMicros) {
        return Instant.ofEpochSecond(Math.floorDiv(epochMicros, 1_000_000L),
                Math.floorMod(epochMicros, 1_000_000L) * 1000L);
    }
}
