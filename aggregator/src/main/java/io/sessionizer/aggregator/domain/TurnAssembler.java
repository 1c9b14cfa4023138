package io.sessionizer.aggregator.domain;

import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import io.sessionizer.aggregator.state.LlmSpan;
import io.sessionizer.aggregator.state.TraceState;
import io.sessionizer.aggregator.state.TurnDelta;
import io.sessionizer.schemas.Cost;
import io.sessionizer.schemas.LlmCall;
import io.sessionizer.schemas.TokenCount;
import io.sessionizer.schemas.ToolCall;
import io.sessionizer.schemas.Turn;
import io.sessionizer.schemas.TurnStatus;
import io.sessionizer.schemas.otlp.TraceFitter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

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
    /** OpenLLMetry's flattened messages. */
    private static final String PROMPT_MESSAGES = "gen_ai.prompt.";
    private static final String COMPLETION_MESSAGES = "gen_ai.completion.";
    private static final HexFormat HEX = HexFormat.of();
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
                .setParentIds(new ArrayList<>())
                .setLlmSpans(new ArrayList<>())
                .setToolCalls(new ArrayList<>())
                .setToolCallIds(new ArrayList<>())
                .setMetadata(new HashMap<>())
                .setTags(new ArrayList<>())
                .setFirstSeenMs(nowMs)
                .build();
    }

    /**
     * The spans already counted for a trace, each to its parent span id (0 for a root): built once per batch from the
     * state's lists; pass the same map to each {@link #add} of the batch and to {@link #takeDelta}.
     */
    public static Map<Long, Long> spanParents(TraceState state) {
        List<Long> ids = state.getSpanIds();
        List<Long> parents = state.getParentIds();
        Map<Long, Long> spans = new HashMap<>((int) (ids.size() / 0.75f) + 1);
        for (int i = 0; i < ids.size(); i++) {
            spans.put(ids.get(i), parents.get(i));
        }
        return spans;
    }

    /**
     * Adds one span to the trace.
     *
     * @param cuts where the texts, names, session ids, metadata, tags and calls cut to the {@link TurnLimits} are
     *     counted
     * @return false when the span was seen before, or has no valid 8-byte id, and so changed nothing
     */
    public boolean add(TraceState state, Map<Long, Long> spans, Resource resource, Span span, TurnLimits.Cuts cuts) {
        if (span.getSpanId().size() != 8) {
            return false;
        }
        long spanId = span.getSpanId().asReadOnlyByteBuffer().getLong();
        Long id = spanId;
        Long parentId = span.getParentSpanId().size() == 8 ? span.getParentSpanId().asReadOnlyByteBuffer().getLong()
                : 0L;
        if (spans.putIfAbsent(id, parentId) != null) {
            return false;
        }
        state.getSpanIds().add(id);
        state.getParentIds().add(parentId);
        state.setSpanCount(state.getSpanCount() + 1);

        long start = span.getStartTimeUnixNano() / 1000;
        long end = Math.max(start, span.getEndTimeUnixNano() / 1000);
        state.setStartMicros(Math.min(state.getStartMicros(), start));
        state.setEndMicros(Math.max(state.getEndMicros(), end));
        boolean error = span.getStatus().getCode() == Status.StatusCode.STATUS_CODE_ERROR;
        if (error) {
            state.setError(true);
        }
        if (state.getProject() == null) {
            state.setProject(limits.name(project(resource), cuts));
        }
        if (state.getSessionId() == null) {
            state.setSessionId(limits.sessionId(keys.resolve(span.getAttributesList()), cuts));
        }
        SpanReading reading = read(state, span.getName(), span.getAttributesList(), cuts);
        boolean root = span.getParentSpanId().isEmpty();
        if (root && reading.inputValue != null) {
            state.setInput(limits.io(reading.inputValue, reading.inputMime, reading.inputOriginalSize, cuts));
            state.setInputFromRoot(true);
        }
        if (root && reading.outputValue != null) {
            state.setOutput(limits.io(reading.outputValue, reading.outputMime, reading.outputOriginalSize, cuts));
            state.setOutputFromRoot(true);
        }
        applyMessages(state, reading.inputMessages, reading.outputMessages, start, false, cuts);
        for (Span.Event event : span.getEventsList()) {
            if (GenAiEvents.isGenAi(event.getName())) {
                GenAiEvents.Reading events = GenAiEvents.read(event.getName(), event.getAttributesList(), null);
                long at = event.getTimeUnixNano() > 0 ? event.getTimeUnixNano() / 1000 : start;
                applyMessages(state, events.input(), events.output(), at, true, cuts);
            }
        }
        double durationMs = (end - start) / 1000d;
        if (reading.toolName != null) {
            addToolCall(state, ToolCalls.fromSpan(limits.name(reading.toolCallId, cuts),
                    limits.name(reading.toolName, cuts), limits.toolText(reading.toolArguments, cuts),
                    limits.toolText(reading.toolResult, cuts), error, start, durationMs, HEX.toHexDigits(spanId)),
                    cuts);
        }
        if (reading.llm) {
            addLlmCall(state, reading, parentId, HEX.toHexDigits(spanId), start, durationMs, error, cuts);
        }
        return true;
    }

    /**
     * Adds one OTLP log record of the trace: a GenAI message event (others change nothing). Its messages count as
     * an LLM span's would; a session key among its attributes names the trace's session as a span's would.
     *
     * @return whether the record changed the trace
     */
    public boolean addLog(TraceState state, Resource resource, LogRecord log, TurnLimits.Cuts cuts) {
        String name = log.getEventName().isEmpty() ? Attributes.find(log.getAttributesList(),
                GenAiEvents.EVENT_NAME_ATTRIBUTE) : log.getEventName();
        if (!GenAiEvents.isGenAi(name)) {
            return false;
        }
        if (state.getProject() == null) {
            state.setProject(limits.name(project(resource), cuts));
        }
        if (state.getSessionId() == null) {
            state.setSessionId(limits.sessionId(keys.resolve(log.getAttributesList()), cuts));
        }
        GenAiEvents.Reading events = GenAiEvents.read(name, log.getAttributesList(), log.getBody());
        long at = (log.getTimeUnixNano() > 0 ? log.getTimeUnixNano() : log.getObservedTimeUnixNano()) / 1000;
        applyMessages(state, events.input(), events.output(), at, true, cuts);
        return true;
    }

    private static String project(Resource resource) {
        String project = Attributes.find(resource.getAttributesList(), "openinference.project.name");
        return project != null ? project : Attributes.find(resource.getAttributesList(), "service.name");
    }

    /** What one span's attributes say, read in one pass. */
    private static final class SpanReading {
        String inputValue;
        String inputMime;
        String outputValue;
        String outputMime;
        Long inputOriginalSize;
        Long outputOriginalSize;
        boolean llm;
        Long promptTokens;
        Long completionTokens;
        Long totalTokens;
        long cacheRead;
        long cacheWrite;
        long reasoning;
        Double promptCost;
        Double completionCost;
        Double totalCost;
        String model;
        String requestModel;
        Messages inputMessages;
        Messages outputMessages;
        String toolName;
        String toolCallId;
        String toolArguments;
        String toolResult;
    }

    /**
     * One pass over the span's attributes. A tool's name is its convention's attribute, else the span's name. An LLM
     * span is OpenInference kind {@code LLM}, else a GenAI inference
     * operation ({@code gen_ai.operation.name}), else an OpenLLMetry {@code llm.request.type} of chat or completion. A
     * tool span is OpenInference kind {@code TOOL}, a GenAI {@code execute_tool} operation, or OpenLLMetry
     * {@code traceloop.span.kind} {@code tool}.
     */
    private SpanReading read(TraceState state, String spanName, List<KeyValue> attributes, TurnLimits.Cuts cuts) {
        SpanReading r = new SpanReading();
        String kind = null;
        String genAiOperation = null;
        String traceloopKind = null;
        String traceloopRequest = null;
        String traceloopName = null;
        String traceloopInput = null;
        String traceloopOutput = null;
        String toolName = null;
        String genAiToolName = null;
        for (KeyValue kv : attributes) {
            String key = kv.getKey();
            if (key.startsWith(INPUT_MESSAGES)) {
                r.inputMessages = Messages.addFlattened(r.inputMessages, key, INPUT_MESSAGES.length(), kv.getValue());
                continue;
            }
            if (key.startsWith(OUTPUT_MESSAGES)) {
                r.outputMessages = Messages.addFlattened(r.outputMessages, key, OUTPUT_MESSAGES.length(),
                        kv.getValue());
                continue;
            }
            if (key.startsWith(PROMPT_MESSAGES)) {
                r.inputMessages = Messages.addFlattened(r.inputMessages, key, PROMPT_MESSAGES.length(), kv.getValue());
                continue;
            }
            if (key.startsWith(COMPLETION_MESSAGES)) {
                r.outputMessages = Messages.addFlattened(r.outputMessages, key, COMPLETION_MESSAGES.length(),
                        kv.getValue());
                continue;
            }
            switch (key) {
                case INPUT_ORIGINAL_SIZE -> r.inputOriginalSize = Attributes.asLong(kv.getValue());
                case OUTPUT_ORIGINAL_SIZE -> r.outputOriginalSize = Attributes.asLong(kv.getValue());
                case "input.value" -> r.inputValue = Attributes.asString(kv.getValue());
                case "input.mime_type" -> r.inputMime = Attributes.asString(kv.getValue());
                case "output.value" -> r.outputValue = Attributes.asString(kv.getValue());
                case "output.mime_type" -> r.outputMime = Attributes.asString(kv.getValue());
                case "openinference.span.kind" -> kind = Attributes.asString(kv.getValue());
                case "gen_ai.operation.name" -> genAiOperation = Attributes.asString(kv.getValue());
                case "traceloop.span.kind" -> traceloopKind = Attributes.asString(kv.getValue());
                case "llm.request.type" -> traceloopRequest = Attributes.asString(kv.getValue());
                case "traceloop.entity.name" -> traceloopName = Attributes.asString(kv.getValue());
                case "traceloop.entity.input" -> traceloopInput = Attributes.asString(kv.getValue());
                case "traceloop.entity.output" -> traceloopOutput = Attributes.asString(kv.getValue());
                case "tool.name" -> toolName = Attributes.asString(kv.getValue());
                case "gen_ai.tool.name" -> genAiToolName = Attributes.asString(kv.getValue());
                case "tool_call.id", "gen_ai.tool.call.id" -> r.toolCallId = Attributes.asString(kv.getValue());
                // GenAI allows any value here: a structured one is kept as its JSON.
                case "gen_ai.tool.call.arguments" ->
                        r.toolArguments = Messages.jsonText(Attributes.asJson(kv.getValue()));
                case "gen_ai.tool.call.result" -> r.toolResult = Messages.jsonText(Attributes.asJson(kv.getValue()));
                case "llm.token_count.prompt", "gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens" ->
                        r.promptTokens = Attributes.asLong(kv.getValue());
                case "llm.token_count.completion", "gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens" ->
                        r.completionTokens = Attributes.asLong(kv.getValue());
                case "llm.token_count.total", "llm.usage.total_tokens", "gen_ai.usage.total_tokens" ->
                        r.totalTokens = Attributes.asLong(kv.getValue());
                case "llm.token_count.prompt_details.cache_read", "gen_ai.usage.cache_read.input_tokens",
                        "gen_ai.usage.cache_read_input_tokens" -> r.cacheRead = nonNegative(kv.getValue());
                case "llm.token_count.prompt_details.cache_write", "gen_ai.usage.cache_creation.input_tokens",
                        "gen_ai.usage.cache_creation_input_tokens" -> r.cacheWrite = nonNegative(kv.getValue());
                case "llm.token_count.completion_details.reasoning", "gen_ai.usage.reasoning.output_tokens",
                        "gen_ai.usage.reasoning_tokens" -> r.reasoning = nonNegative(kv.getValue());
                case "llm.cost.prompt" -> r.promptCost = Attributes.asDouble(kv.getValue());
                case "llm.cost.completion" -> r.completionCost = Attributes.asDouble(kv.getValue());
                case "llm.cost.total" -> r.totalCost = Attributes.asDouble(kv.getValue());
                case "llm.model_name", "gen_ai.response.model" -> r.model = Attributes.asString(kv.getValue());
                case "gen_ai.request.model" -> r.requestModel = Attributes.asString(kv.getValue());
                case "gen_ai.input.messages" ->
                        r.inputMessages = Messages.fromGenAi(Attributes.parseJson(kv.getValue()));
                case "gen_ai.output.messages" ->
                        r.outputMessages = Messages.fromGenAi(Attributes.parseJson(kv.getValue()));
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
        if (kind != null) {
            r.llm = kind.equalsIgnoreCase("LLM");
            if (kind.equalsIgnoreCase("TOOL")) {
                // openinference-core's traceTool names the span after the tool and sets no tool.name.
                r.toolName = toolName != null ? toolName : spanName;
                r.toolArguments = r.toolArguments != null ? r.toolArguments : r.inputValue;
                r.toolResult = r.toolResult != null ? r.toolResult : r.outputValue;
            }
        } else if (genAiOperation != null) {
            r.llm = isGenAiInference(genAiOperation);
            if (genAiOperation.equals("execute_tool")) {
                r.toolName = genAiToolName != null ? genAiToolName : spanName;
            }
        } else if ("tool".equals(traceloopKind)) {
            r.toolName = traceloopName != null ? traceloopName : spanName;
            r.toolArguments = traceloopInput;
            r.toolResult = traceloopOutput;
        } else {
            r.llm = "chat".equals(traceloopRequest) || "completion".equals(traceloopRequest);
        }
        return r;
    }

    /** OTel GenAI spans have no OpenInference kind; these operations are model calls that use tokens. */
    private static boolean isGenAiInference(String operation) {
        return switch (operation) {
            case "chat", "text_completion", "generate_content" -> true;
            default -> false;
        };
    }

    private static long nonNegative(AnyValue value) {
        Long tokens = Attributes.asLong(value);
        return tokens == null || tokens < 0 ? 0 : tokens;
    }

    /**
     * The messages of an LLM call or an event, as fallbacks for the turn's input and output: the last user message
     * in, the last assistant message out (a later call's answer replaces an earlier one's); the tool calls the output
     * messages ask for; and the results that input tool messages give for calls this trace made.
     *
     * @param at when the messages were said (the span's start, the event's time), to tell the later answer
     * @param event whether the messages are an event's: the GenAI events give a call's input messages one record
     *     each, history first, so a later user message replaces an earlier one
     */
    private void applyMessages(TraceState state, Messages input, Messages output, long at, boolean event,
            TurnLimits.Cuts cuts) {
        if (input != null && !state.getInputFromRoot() && (state.getInput() == null || event)) {
            String text = input.last("user");
            if (text != null) {
                state.setInput(limits.io(text, "text/plain", cuts));
            }
        }
        if (output != null && !state.getOutputFromRoot()) {
            String text = output.last("assistant");
            if (text != null && at >= state.getOutputStartMicros()) {
                state.setOutput(limits.io(text, "text/plain", cuts));
                state.setOutputStartMicros(at);
            }
            for (Messages.Call call : output.toolCalls()) {
                if (call.name != null || call.id != null) {
                    addToolCall(state, ToolCalls.fromMessage(limits.name(call.id, cuts), limits.name(call.name, cuts),
                            limits.toolText(call.arguments, cuts)), cuts);
                }
            }
        }
        if (input != null) {
            for (Map.Entry<String, String> result : input.toolResults().entrySet()) {
                String id = limits.name(result.getKey(), cuts);
                if (state.getToolCallIds().contains(id)) {
                    addToolCall(state, ToolCalls.result(id, limits.toolText(result.getValue(), cuts)), cuts);
                }
            }
        }
    }

    private static void addToolCall(TraceState state, ToolCall fragment, TurnLimits.Cuts cuts) {
        String id = fragment.getId();
        if (id != null && !ToolCalls.isResultOnly(fragment) && !state.getToolCallIds().contains(id)
                && state.getToolCallIds().size() < TurnLimits.MAX_TOOL_CALL_IDS) {
            state.getToolCallIds().add(id);
        }
        if (!ToolCalls.merge(state.getToolCalls(), fragment, TurnLimits.MAX_TOOL_CALLS, true)) {
            state.setToolCallsCut(state.getToolCallsCut() + 1);
            cuts.toolCalls++;
        }
    }

    /**
     * Keeps an LLM span as a call: its tokens, and its cost from {@code llm.cost.*}, else the price table (cached
     * prompt tokens at the cache prices), else none (unpriced). Whether it counts is decided when the trace's delta is
     * taken, by whether an LLM span sits below it.
     */
    private void addLlmCall(TraceState state, SpanReading r, long parentId, String hexId, long start,
            double durationMs, boolean error, TurnLimits.Cuts cuts) {
        String model = limits.name(r.model != null ? r.model : r.requestModel, cuts);
        if (model != null && !state.getModels().contains(model) && state.getModels().size() < TurnLimits.MAX_NAMES) {
            state.getModels().add(model);
        }
        if (state.getLlmSpans().size() >= TurnLimits.MAX_LLM_SPANS) {
            cuts.llmSpans++;
            return;
        }
        long prompt = r.promptTokens == null ? 0 : Math.max(0, r.promptTokens);
        long completion = r.completionTokens == null ? 0 : Math.max(0, r.completionTokens);
        if (r.cacheRead + r.cacheWrite > prompt) {
            // The prompt count left the cached tokens out (Anthropic's input_tokens do): they are prompt tokens too.
            prompt += r.cacheRead + r.cacheWrite;
        }
        long total = r.totalTokens != null && r.totalTokens >= prompt + completion ? r.totalTokens
                : prompt + completion;
        TokenCount tokens = new TokenCount(prompt, completion, total, r.cacheRead, r.cacheWrite, r.reasoning);
        Cost cost;
        if (r.promptCost != null || r.completionCost != null || r.totalCost != null) {
            double promptUsd = r.promptCost == null ? 0 : r.promptCost;
            double completionUsd = r.completionCost == null ? 0 : r.completionCost;
            cost = new Cost(promptUsd, completionUsd, r.totalCost != null ? r.totalCost : promptUsd + completionUsd,
                    0L, new ArrayList<>());
        } else {
            PriceTable.Price price = prices.find(model);
            if (price != null) {
                double promptUsd = price.prompt(prompt, r.cacheRead, r.cacheWrite);
                double completionUsd = price.completion(completion);
                cost = new Cost(promptUsd, completionUsd, promptUsd + completionUsd, 0L, new ArrayList<>());
            } else {
                cost = new Cost(0.0, 0.0, 0.0, 1L, new ArrayList<>());
            }
        }
        LlmCall call = LlmCall.newBuilder()
                .setSpanId(hexId)
                .setModel(model)
                .setTokenCount(tokens)
                .setCost(cost)
                .setStartTime(micros(start))
                .setDurationMs(durationMs)
                .setStatus(error ? TurnStatus.ERROR : TurnStatus.OK)
                .build();
        state.getLlmSpans().add(new LlmSpan(parentId, call, true, false));
    }

    /**
     * Marks each LLM span a leaf or a wrapper: a wrapper has an LLM span below it, through any chain of the trace's
     * known spans ({@link #spanParents}). Spans arrive in any order, so this is decided anew over the whole trace each
     * time.
     */
    static void markLeaves(TraceState state, Map<Long, Long> parents) {
        List<LlmSpan> llmSpans = state.getLlmSpans();
        for (LlmSpan llm : llmSpans) {
            llm.setLeaf(true);
        }
        if (llmSpans.size() < 2) {
            return;
        }
        Map<Long, LlmSpan> bySpan = new HashMap<>(llmSpans.size() * 2);
        for (LlmSpan llm : llmSpans) {
            bySpan.put(Long.parseUnsignedLong(llm.getCall().getSpanId(), 16), llm);
        }
        for (LlmSpan llm : llmSpans) {
            long ancestor = llm.getParentId();
            // At most one step per known span, so that a cycle of bad parent ids ends too.
            for (int steps = 0; ancestor != 0 && steps < parents.size(); steps++) {
                LlmSpan wrapper = bySpan.get(ancestor);
                if (wrapper != null) {
                    if (!wrapper.getLeaf()) {
                        break; // it and all above it were marked by an earlier walk
                    }
                    wrapper.setLeaf(false);
                }
                Long next = parents.get(ancestor);
                if (next == null) {
                    break; // the chain goes on through a span not seen yet
                }
                ancestor = next;
            }
        }
    }

    /**
     * Takes what the trace accumulated since the last delta and resets the accumulators; the session, the span ids and
     * whether the root gave input and output stay. Metadata and tags stay too, as the first value of a key and the
     * bounds hold for the whole trace; the delta carries them only when they gained an entry. The trace's LLM spans
     * stay, and the delta carries the leaf calls stage 2 does not count yet and the counted ones that turned out to be
     * wrappers. Only for a trace whose session is known.
     *
     * @param spans the trace's spans and their parents, as {@link #add} left them
     */
    public static TurnDelta takeDelta(TraceState state, Map<Long, Long> spans) {
        if (state.getSessionId() == null) {
            throw new IllegalStateException("Trace " + state.getTraceId() + " has no session yet");
        }
        markLeaves(state, spans);
        List<LlmCall> added = new ArrayList<>();
        List<LlmCall> removed = new ArrayList<>();
        LlmCall last = null;
        List<String> unpriced = new ArrayList<>();
        for (LlmSpan llm : state.getLlmSpans()) {
            if (llm.getLeaf() != llm.getForwarded()) {
                (llm.getLeaf() ? added : removed).add(llm.getCall());
                llm.setForwarded(llm.getLeaf());
            }
            if (!llm.getLeaf()) {
                continue;
            }
            LlmCall call = llm.getCall();
            if (last == null || !call.getStartTime().isBefore(last.getStartTime())) {
                last = call;
            }
            String model = call.getModel() == null ? "" : call.getModel();
            if (call.getCost().getUnpricedCalls() > 0 && !unpriced.contains(model)
                    && unpriced.size() < TurnLimits.MAX_NAMES) {
                unpriced.add(model);
            }
        }
        boolean metadataChanged = state.getMetadataChanged();
        boolean outputReplaces = state.getOutput() != null
                && (state.getOutputFromRoot() || state.getOutputForwarded());
        if (state.getOutput() != null) {
            state.setOutputForwarded(true);
        }
        TurnDelta delta = TurnDelta.newBuilder()
                .setTenant(state.getTenant())
                .setTraceId(state.getTraceId())
                .setSessionId(state.getSessionId())
                .setStartMicros(state.getStartMicros())
                .setEndMicros(state.getEndMicros())
                .setInput(state.getInput())
                .setInputFromRoot(state.getInputFromRoot())
                .setOutput(state.getOutput())
                .setOutputReplaces(outputReplaces)
                .setError(state.getError())
                .setSpanCount(state.getSpanCount())
                .setLlmCalls(added)
                .setLlmCallsRemoved(removed)
                .setToolCalls(state.getToolCalls())
                .setToolCallsCut(state.getToolCallsCut())
                .setContextTokens(last == null ? null : last.getTokenCount().getPrompt())
                .setUnpricedModels(state.getLlmSpans().isEmpty() ? null : unpriced)
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
        state.setModels(new ArrayList<>());
        state.setToolCalls(new ArrayList<>());
        state.setToolCallsCut(0);
        return delta;
    }

    /**
     * The turn after a delta: counts add up, times widen, and a root span's input or output replaces a fallback one
     * (as a later call's answer replaces an earlier one's) while a fallback never replaces anything; leaf calls add
     * their tokens and cost and wrappers take theirs back; tool calls merge by id; metadata keys keep their first
     * value and tags add up as a set, within the {@link TurnLimits}.
     *
     * @param previous the stored turn, or null for the trace's first delta
     * @param cuts where metadata and tags dropped over the bounds are counted (only when stage 1 forgot the trace
     *     after {@code trace.retention} and its later spans bring more), and tool calls over the turn's bound
     */
    public static Turn merge(Turn previous, TurnDelta delta, Instant now, TurnLimits.Cuts cuts) {
        Turn turn;
        if (previous == null) {
            turn = Turn.newBuilder()
                    .setTenant(delta.getTenant())
                    .setSessionId(delta.getSessionId())
                    .setTraceId(delta.getTraceId())
                    .setStartTime(micros(delta.getStartMicros()))
                    .setEndTime(micros(delta.getEndMicros()))
                    .setStatus(TurnStatus.OK)
                    .setSpanCount(0)
                    .setTokenCount(new TokenCount(0L, 0L, 0L, 0L, 0L, 0L))
                    .setCost(new Cost(0.0, 0.0, 0.0, 0L, new ArrayList<>()))
                    .setModels(new ArrayList<>())
                    .setProject(delta.getProject())
                    .setUserId(delta.getUserId())
                    .setUpdatedAt(now)
                    .setMetadata(new HashMap<>())
                    .setTags(new ArrayList<>())
                    .setLlmCalls(new ArrayList<>())
                    .setToolCalls(new ArrayList<>())
                    .build();
        } else {
            // A deep copy, changed in place below: the session takes the difference against the previous version.
            turn = Turn.newBuilder(previous).build();
        }
        if (delta.getStartMicros() != Long.MAX_VALUE && micros(delta.getStartMicros()).isBefore(turn.getStartTime())) {
            turn.setStartTime(micros(delta.getStartMicros()));
        }
        if (delta.getEndMicros() != Long.MIN_VALUE && micros(delta.getEndMicros()).isAfter(turn.getEndTime())) {
            turn.setEndTime(micros(delta.getEndMicros()));
        }
        if (delta.getInput() != null && (delta.getInputFromRoot() || turn.getInput() == null)) {
            turn.setInput(delta.getInput());
        }
        if (delta.getOutput() != null && (delta.getOutputReplaces() || turn.getOutput() == null)) {
            turn.setOutput(delta.getOutput());
        }
        if (delta.getError()) {
            turn.setStatus(TurnStatus.ERROR);
        }
        turn.setSpanCount(turn.getSpanCount() + delta.getSpanCount());
        applyCalls(turn, delta);
        for (String model : delta.getModels()) {
            if (!turn.getModels().contains(model) && turn.getModels().size() < TurnLimits.MAX_NAMES) {
                turn.getModels().add(model);
            }
        }
        mergeToolCalls(turn, delta, cuts);
        if (delta.getContextTokens() != null) {
            turn.setContextTokens(delta.getContextTokens());
        }
        if (delta.getUnpricedModels() != null) {
            turn.getCost().setUnpricedModels(new ArrayList<>(delta.getUnpricedModels()));
        }
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

    /**
     * Adds the delta's new leaf calls to the turn's count, tokens, cost and list, and takes its wrappers out; in place,
     * as {@link #merge} works on its own copy of the stored turn.
     */
    private static void applyCalls(Turn turn, TurnDelta delta) {
        if (delta.getLlmCalls().isEmpty() && delta.getLlmCallsRemoved().isEmpty()) {
            return;
        }
        TokenCount tokens = turn.getTokenCount();
        Cost cost = turn.getCost();
        List<LlmCall> calls = turn.getLlmCalls();
        int count = turn.getLlmCallCount();
        int cut = turn.getLlmCallsCut();
        for (LlmCall call : delta.getLlmCalls()) {
            add(tokens, cost, call, 1);
            count++;
            if (calls.size() < TurnLimits.MAX_LLM_CALLS) {
                calls.add(call);
            } else {
                cut++;
            }
        }
        for (LlmCall call : delta.getLlmCallsRemoved()) {
            add(tokens, cost, call, -1);
            count--;
            int listed = indexOf(calls, call.getSpanId());
            if (listed >= 0) {
                calls.remove(listed); // by index: an Avro array's iterator cannot remove
            } else if (cut > 0) {
                cut--;
            }
        }
        turn.setLlmCallCount(count);
        turn.setLlmCallsCut(cut);
    }

    private static int indexOf(List<LlmCall> calls, String spanId) {
        for (int i = 0; i < calls.size(); i++) {
            if (calls.get(i).getSpanId().equals(spanId)) {
                return i;
            }
        }
        return -1;
    }

    private static void add(TokenCount tokens, Cost cost, LlmCall call, int sign) {
        TokenCount t = call.getTokenCount();
        tokens.setPrompt(tokens.getPrompt() + sign * t.getPrompt());
        tokens.setCompletion(tokens.getCompletion() + sign * t.getCompletion());
        tokens.setTotal(tokens.getTotal() + sign * t.getTotal());
        tokens.setCacheRead(tokens.getCacheRead() + sign * t.getCacheRead());
        tokens.setCacheWrite(tokens.getCacheWrite() + sign * t.getCacheWrite());
        tokens.setReasoning(tokens.getReasoning() + sign * t.getReasoning());
        Cost c = call.getCost();
        cost.setPrompt(cost.getPrompt() + sign * c.getPrompt());
        cost.setCompletion(cost.getCompletion() + sign * c.getCompletion());
        cost.setTotal(cost.getTotal() + sign * c.getTotal());
        cost.setUnpricedCalls(cost.getUnpricedCalls() + sign * c.getUnpricedCalls());
    }

    /** Named fragments first, so that a result in the same delta finds the call it answers. */
    private static void mergeToolCalls(Turn turn, TurnDelta delta, TurnLimits.Cuts cuts) {
        if (delta.getToolCalls().isEmpty() && delta.getToolCallsCut() == 0) {
            return;
        }
        List<ToolCall> calls = turn.getToolCalls();
        int cut = turn.getToolCallsCut() + delta.getToolCallsCut();
        for (int pass = 0; pass < 2; pass++) {
            for (ToolCall fragment : delta.getToolCalls()) {
                if (ToolCalls.isResultOnly(fragment) == (pass == 1)
                        && !ToolCalls.merge(calls, fragment, TurnLimits.MAX_TOOL_CALLS, false)) {
                    cut++;
                    cuts.toolCalls++;
                }
            }
        }
        turn.setToolCallsCut(cut);
    }

    static Instant micros(long epochMicros) {
        return Instant.ofEpochSecond(Math.floorDiv(epochMicros, 1_000_000L),
                Math.floorMod(epochMicros, 1_000_000L) * 1000L);
    }
}
