package io.sessionizer.aggregator.domain;

import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import io.sessionizer.aggregator.state.TraceState;
import io.sessionizer.aggregator.state.TurnDelta;
import io.sessionizer.schemas.Cost;
import io.sessionizer.schemas.TokenCount;
import io.sessionizer.schemas.Turn;
import io.sessionizer.schemas.TurnStatus;
import io.sessionizer.schemas.otlp.TraceFitter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Folds the spans of one trace, in any order and any number of batches, into the turn they describe (DESIGN.md, "What
 * a session holds"). A span seen before (same span id: a client retry) changes nothing.
 *
 * <p>Stage 1 accumulates spans in a {@link TraceState} and, once the trace has a session, hands the accumulated
 * contribution on as a delta ({@link #takeDelta}); stage 2 merges deltas into the stored turn ({@link #merge}). So the
 * repartition carries only what is new, and stage 1 keeps little more than span ids per trace.
 */
public final class TurnAssembler {
    private static final String INPUT_MESSAGES = "llm.input_messages.";
    private static final String OUTPUT_MESSAGES = "llm.output_messages.";
    /** The sizes of texts the ingest cut to fit a record, before that cut. */
    private static final String INPUT_ORIGINAL_SIZE = TraceFitter.ORIGINAL_SIZE_ATTRIBUTE_PREFIX + "input.value";
    private static final String OUTPUT_ORIGINAL_SIZE = TraceFitter.ORIGINAL_SIZE_ATTRIBUTE_PREFIX + "output.value";

    private final SessionKeyResolver keys;
    private final PriceTable prices;
    private final TurnLimits limits;

    public TurnAssembler(SessionKeyResolver keys, PriceTable prices) {
        this(keys, prices, TurnLimits.DEFAULTS);
    }

    public TurnAssembler(SessionKeyResolver keys, PriceTable prices, TurnLimits limits) {
        this.keys = keys;
        this.prices = prices;
        this.limits = limits;
    }

    public TurnLimits limits() {
        return limits;
    }

    /** A new, empty trace; its times are set by the first span. */
    public static TraceState newTrace(String tenant, String traceId, long nowMs) {
        return TraceState.newBuilder()
                .setTenant(tenant)
                .setTraceId(traceId)
                .setStartMicros(Long.MAX_VALUE)
                .setEndMicros(Long.MIN_VALUE)
                .setModels(new ArrayList<>())
                .setSpanIds(new ArrayList<>())
                .setMetadata(new HashMap<>())
                .setTags(new ArrayList<>())
                .setFirstSeenMs(nowMs)
                .build();
    }

    /** Span ids already counted for a trace; pass the same set to each {@link #add} of one batch. */
    public static Set<Long> seenSpans(TraceState state) {
        return new HashSet<>(state.getSpanIds());
    }

    /**
     * Adds one span to the trace.
     *
     * @param cuts where the texts, names, session ids, metadata and tags cut to the {@link TurnLimits} are counted
     * @return false when the span was seen before, or has no valid 8-byte id, and so changed nothing
     */
    public boolean add(TraceState state, Set<Long> seen, Resource resource, Span span, TurnLimits.Cuts cuts) {
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
            state.setProject(limits.name(project(resource), cuts));
        }
        if (state.getSessionId() == null) {
            state.setSessionId(limits.sessionId(keys.resolve(span.getAttributesList()), cuts));
        }
        applyAttributes(state, span.getAttributesList(), span.getParentSpanId().isEmpty(), cuts);
        return true;
    }

    private static String project(Resource resource) {
        String project = Attributes.find(resource.getAttributesList(), "openinference.project.name");
        return project != null ? project : Attributes.find(resource.getAttributesList(), "service.name");
    }

    /**
     * One pass over the span's attributes; tokens, costs and models count on LLM spans only. Input and output come from
     * the root span; until it gives them, from the messages of LLM spans: the last user message in, the assistant
     * message out (OpenInference {@code llm.*_messages.N.message.*} or GenAI {@code gen_ai.*.messages} JSON).
     */
    private void applyAttributes(TraceState state, List<KeyValue> attributes, boolean root, TurnLimits.Cuts cuts) {
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
        Messages inputMessages = null;
        Messages outputMessages = null;
        Long inputOriginalSize = null;
        Long outputOriginalSize = null;
        for (KeyValue kv : attributes) {
            String key = kv.getKey();
            if (key.startsWith(INPUT_MESSAGES)) {
                inputMessages = Messages.addFlattened(inputMessages, key, INPUT_MESSAGES.length(), kv.getValue());
                continue;
            }
            if (key.startsWith(OUTPUT_MESSAGES)) {
                outputMessages = Messages.addFlattened(outputMessages, key, OUTPUT_MESSAGES.length(), kv.getValue());
                continue;
            }
            switch (key) {
                case INPUT_ORIGINAL_SIZE -> inputOriginalSize = Attributes.asLong(kv.getValue());
                case OUTPUT_ORIGINAL_SIZE -> outputOriginalSize = Attributes.asLong(kv.getValue());
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
                case "gen_ai.input.messages" -> inputMessages = Messages.parseGenAi(Attributes.asString(kv.getValue()));
                case "gen_ai.output.messages" ->
                        outputMessages = Messages.parseGenAi(Attributes.asString(kv.getValue()));
                case "user.id" -> {
                    if (state.getUserId() == null) {
                        state.setUserId(limits.name(Attributes.asString(kv.getValue()), cuts));
                    }
                }
                default -> {
                    if (Metadata.read(key, kv.getValue(), state.getMetadata(), state.getTags(), cuts)) {
                        state.setMetadataChanged(true);
                    }
                }
            }
        }
        if (root && inputValue != null) {
            state.setInput(limits.io(inputValue, inputMime, inputOriginalSize, cuts));
            state.setInputFromRoot(true);
        }
        if (root && outputValue != null) {
            state.setOutput(limits.io(outputValue, outputMime, outputOriginalSize, cuts));
            state.setOutputFromRoot(true);
        }
        if (inputMessages != null && !state.getInputFromRoot() && state.getInput() == null) {
            String text = inputMessages.last("user");
            if (text != null) {
                state.setInput(limits.io(text, "text/plain", cuts));
            }
        }
        if (outputMessages != null && !state.getOutputFromRoot() && state.getOutput() == null) {
            String text = outputMessages.last("assistant");
            if (text != null) {
                state.setOutput(limits.io(text, "text/plain", cuts));
            }
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
        String usedModel = limits.name(model != null ? model : requestModel, cuts);
        PriceTable.Price price = promptCost == null && completionCost == null && totalCost == null
                ? prices.find(usedModel) : null;
        double promptUsd = price != null ? price.prompt(prompt) : promptCost == null ? 0 : promptCost;
        double completionUsd = price != null ? price.completion(completion)
                : completionCost == null ? 0 : completionCost;
        state.setPromptCost(state.getPromptCost() + promptUsd);
        state.setCompletionCost(state.getCompletionCost() + completionUsd);
        state.setTotalCost(state.getTotalCost() + (totalCost != null ? totalCost : promptUsd + completionUsd));
        if (usedModel != null && !state.getModels().contains(usedModel)
                && state.getModels().size() < TurnLimits.MAX_NAMES) {
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

    /**
     * Takes what the trace accumulated since the last delta and resets the accumulators; the session, the span ids and
     * whether the root gave input and output stay. Metadata and tags stay too, as the first value of a key and the
     * bounds hold for the whole trace; the delta carries them only when they gained an entry. Only for a trace whose
     * session is known.
     */
    public static TurnDelta takeDelta(TraceState state) {
        if (state.getSessionId() == null) {
            throw new IllegalStateException("Trace " + state.getTraceId() + " has no session yet");
        }
        boolean metadataChanged = state.getMetadataChanged();
        TurnDelta delta = TurnDelta.newBuilder()
                .setTenant(state.getTenant())
                .setTraceId(state.getTraceId())
                .setSessionId(state.getSessionId())
                .setStartMicros(state.getStartMicros())
                .setEndMicros(state.getEndMicros())
                .setInput(state.getInput())
                .setInputFromRoot(state.getInputFromRoot())
                .setOutput(state.getOutput())
                .setOutputFromRoot(state.getOutputFromRoot())
                .setError(state.getError())
                .setSpanCount(state.getSpanCount())
                .setLlmCallCount(state.getLlmCallCount())
                .setPromptTokens(state.getPromptTokens())
                .setCompletionTokens(state.getCompletionTokens())
                .setTotalTokens(state.getTotalTokens())
                .setPromptCost(state.getPromptCost())
                .setCompletionCost(state.getCompletionCost())
                .setTotalCost(state.getTotalCost())
                .setModels(new ArrayList<>(state.getModels()))
                .setProject(state.getProject())
                .setUserId(state.getUserId())
                .setMetadata(metadataChanged ? new HashMap<>(state.getMetadata()) : new HashMap<>())
                .setTags(metadataChanged ? new ArrayList<>(state.getTags()) : new ArrayList<>())
                .build();
        state.setMetadataChanged(false);
        state.setStartMicros(Long.MAX_VALUE);
        state.setEndMicros(Long.MIN_VALUE);
        state.setInput(null);
        state.setOutput(null);
        state.setError(false);
        state.setSpanCount(0);
        state.setLlmCallCount(0);
        state.setPromptTokens(0);
        state.setCompletionTokens(0);
        state.setTotalTokens(0);
        state.setPromptCost(0);
        state.setCompletionCost(0);
        state.setTotalCost(0);
        state.setModels(new ArrayList<>());
        return delta;
    }

    /**
     * The turn after a delta: counts add up, times widen, and a root span's input or output replaces a fallback one
     * while a fallback never replaces anything; metadata keys keep their first value and tags add up as a set, within
     * the {@link TurnLimits}.
     *
     * @param previous the stored turn, or null for the trace's first delta
     * @param cuts where metadata and tags dropped over the bounds are counted (only when stage 1 forgot the trace
     *     after {@code trace.retention} and its later spans bring more)
     */
    public static Turn merge(Turn previous, TurnDelta delta, Instant now, TurnLimits.Cuts cuts) {
        if (previous == null) {
            Map<String, String> metadata = new HashMap<>();
            Metadata.putAll(metadata, delta.getMetadata(), Map.of(), cuts);
            List<String> tags = new ArrayList<>();
            Metadata.addTags(tags, delta.getTags(), List.of(), cuts);
            return Turn.newBuilder()
                    .setTenant(delta.getTenant())
                    .setSessionId(delta.getSessionId())
                    .setTraceId(delta.getTraceId())
                    .setStartTime(micros(delta.getStartMicros()))
                    .setEndTime(micros(delta.getEndMicros()))
                    .setInput(delta.getInput())
                    .setOutput(delta.getOutput())
                    .setStatus(delta.getError() ? TurnStatus.ERROR : TurnStatus.OK)
                    .setSpanCount(delta.getSpanCount())
                    .setLlmCallCount(delta.getLlmCallCount())
                    .setTokenCount(new TokenCount(delta.getPromptTokens(), delta.getCompletionTokens(),
                            delta.getTotalTokens()))
                    .setCost(new Cost(delta.getPromptCost(), delta.getCompletionCost(), delta.getTotalCost()))
                    .setModels(new ArrayList<>(delta.getModels()))
                    .setProject(delta.getProject())
                    .setUserId(delta.getUserId())
                    .setUpdatedAt(now)
                    .setMetadata(metadata)
                    .setTags(tags)
                    .build();
        }
        Turn turn = Turn.newBuilder(previous).build();
        if (delta.getStartMicros() != Long.MAX_VALUE && micros(delta.getStartMicros()).isBefore(turn.getStartTime())) {
            turn.setStartTime(micros(delta.getStartMicros()));
        }
        if (delta.getEndMicros() != Long.MIN_VALUE && micros(delta.getEndMicros()).isAfter(turn.getEndTime())) {
            turn.setEndTime(micros(delta.getEndMicros()));
        }
        if (delta.getInput() != null && (delta.getInputFromRoot() || turn.getInput() == null)) {
            turn.setInput(delta.getInput());
        }
        if (delta.getOutput() != null && (delta.getOutputFromRoot() || turn.getOutput() == null)) {
            turn.setOutput(delta.getOutput());
        }
        if (delta.getError()) {
            turn.setStatus(TurnStatus.ERROR);
        }
        turn.setSpanCount(turn.getSpanCount() + delta.getSpanCount());
        turn.setLlmCallCount(turn.getLlmCallCount() + delta.getLlmCallCount());
        TokenCount tokens = turn.getTokenCount();
        turn.setTokenCount(new TokenCount(tokens.getPrompt() + delta.getPromptTokens(),
                tokens.getCompletion() + delta.getCompletionTokens(), tokens.getTotal() + delta.getTotalTokens()));
        Cost cost = turn.getCost();
        turn.setCost(new Cost(cost.getPrompt() + delta.getPromptCost(),
                cost.getCompletion() + delta.getCompletionCost(), cost.getTotal() + delta.getTotalCost()));
        List<String> models = new ArrayList<>(turn.getModels());
        for (String model : delta.getModels()) {
            if (!models.contains(model) && models.size() < TurnLimits.MAX_NAMES) {
                models.add(model);
            }
        }
        turn.setModels(models);
        if (turn.getProject() == null) {
            turn.setProject(delta.getProject());
        }
        if (turn.getUserId() == null) {
            turn.setUserId(delta.getUserId());
        }
        Metadata.putAll(turn.getMetadata(), delta.getMetadata(), Map.of(), cuts);
        Metadata.addTags(turn.getTags(), delta.getTags(), List.of(), cuts);
        turn.setUpdatedAt(now);
        return turn;
    }

    static Instant micros(long epochMicros) {
        return Instant.ofEpochSecond(Math.floorDiv(epochMicros, 1_000_000L),
                Math.floorMod(epochMicros, 1_000_000L) * 1000L);
    }
}
