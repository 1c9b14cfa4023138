package io.sessionizer.aggregator.topology;

import static io.sessionizer.testing.GenAiPayloads.logs;
import static io.sessionizer.testing.GenAiPayloads.resourceLogs;
import static io.sessionizer.testing.GenAiPayloads.resourceSpans;
import static io.sessionizer.testing.GenAiPayloads.scopeLogs;
import static io.sessionizer.testing.GenAiPayloads.scopeSpans;
import static io.sessionizer.testing.GenAiPayloads.traces;
import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.trace.v1.Span;
import io.sessionizer.aggregator.domain.PriceTable;
import io.sessionizer.aggregator.domain.TurnLimits;
import io.sessionizer.aggregator.state.SessionState;
import io.sessionizer.aggregator.store.StoreKeys;
import io.sessionizer.schemas.LlmCall;
import io.sessionizer.schemas.SessionSummary;
import io.sessionizer.schemas.ToolCall;
import io.sessionizer.schemas.ToolCallStatus;
import io.sessionizer.schemas.Turn;
import io.sessionizer.schemas.records.RecordContract;
import io.sessionizer.testing.GenAiPayloads;
import io.sessionizer.testing.GenAiPayloads.ChatCall;
import io.sessionizer.testing.GenAiPayloads.SpanIds;
import io.sessionizer.testing.GenAiPayloads.Tokens;
import io.sessionizer.testing.OtlpTraces;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One agent turn (a tool call, the tool, and the answer after it) as each of the three instrumentations of the
 * {@code openai} Node client emits it ({@link GenAiPayloads}), through the production topology: every convention gives
 * the same turn, with leaf calls only, the tool call listed once, cached tokens priced, and content from log records.
 */
class InstrumentationsTopologyTest {
    private static final String MODEL = "gpt-4o-mini";
    private static final String SESSION = "conv-1";
    private static final String QUESTION = "What is the weather in Paris?";
    private static final String ANSWER = "It is 18 degrees and sunny in Paris.";
    private static final GenAiPayloads.ToolCall WEATHER = new GenAiPayloads.ToolCall("call_abc", "get_weather",
            "{\"city\":\"Paris\"}", "{\"temperature\":18,\"sky\":\"sunny\"}");
    private static final Tokens FIRST_TOKENS = new Tokens(100, 20, 0, 0);
    private static final Tokens SECOND_TOKENS = new Tokens(150, 30, 64, 10);
    private static final ChatCall ASK_TOOL = ChatCall.toolCall(MODEL, QUESTION, WEATHER, FIRST_TOKENS);
    private static final ChatCall ANSWER_AFTER_TOOL = ChatCall.answerAfterTool(MODEL, QUESTION, WEATHER, ANSWER,
            SECOND_TOKENS);
    private static final int TRACE = 7;
    private static final InstrumentationScope OI = GenAiPayloads.OpenInference.SCOPE;
    private static final InstrumentationScope OI_CORE = GenAiPayloads.OpenInference.CORE_SCOPE;
    private static final InstrumentationScope TL = GenAiPayloads.Traceloop.SCOPE;
    private static final InstrumentationScope TL_SDK = GenAiPayloads.Traceloop.SDK_SCOPE;
    private static final InstrumentationScope OTEL = GenAiPayloads.OtelGenAi.SCOPE;
    private static final InstrumentationScope APP = GenAiPayloads.OtelGenAi.APP_SCOPE;

    @TempDir
    Path stateDir;

    private TopologyFixture topology;

    @BeforeEach
    void setUp() {
        topology = TopologyFixture.start(stateDir, Map.of());
    }

    @AfterEach
    void tearDown() {
        try {
            assertThat(topology.deadLetters().isEmpty()).as("every record processed, none dead-lettered").isTrue();
        } finally {
            topology.close();
        }
    }

    // The agent turn: a root span (1), the first call (2), the tool (3) and the second call (4), one after another.
    private static SpanIds ids(long span, long parent, long start, long end) {
        return SpanIds.of(TRACE, span, parent, start, end);
    }

    private static final SpanIds ROOT = ids(1, 0, 0, 4_000_000);
    private static final SpanIds FIRST = ids(2, 1, 100_000, 1_000_000);
    private static final SpanIds TOOL = ids(3, 1, 1_100_000, 1_300_000);
    private static final SpanIds SECOND = ids(4, 1, 1_400_000, 3_900_000);

    @Test
    void shouldReadAnOpenInferenceAgentTurnWithItsToolCallOnceAndItsCachedTokensPriced() {
        GenAiPayloads.OpenInference oi = GenAiPayloads.openInference();
        Span root = OtlpTraces.attr(OtlpTraces.attr(OtlpTraces.attr(rootSpan(), "session.id", SESSION),
                "input.value", QUESTION), "output.value", ANSWER).build();
        send(scopeSpans(OI, oi.llmSpan(FIRST, SESSION, ASK_TOOL), oi.llmSpan(SECOND, SESSION, ANSWER_AFTER_TOOL)),
                scopeSpans(OI_CORE, oi.toolSpan(TOOL, SESSION, WEATHER), root));

        Turn turn = onlyTurn();
        assertThat(turn.getInput().getValue()).isEqualTo(QUESTION);
        assertThat(turn.getOutput().getValue()).isEqualTo(ANSWER);
        assertAgentTurn(turn, true);
        assertThat(turn.getTokenCount().getCacheRead()).isEqualTo(64);
        assertThat(turn.getTokenCount().getReasoning()).isEqualTo(10);
        PriceTable.Price price = PriceTable.builtIn().find(MODEL);
        double expected = price.prompt(100, 0, 0) + price.completion(20) + price.prompt(150, 64, 0)
                + price.completion(30);
        assertThat(expected).as("cached tokens cost less").isLessThan(price.prompt(250, 0, 0) + price.completion(50));
        assertThat(turn.getCost().getTotal()).isCloseTo(expected, Offset.offset(1e-12));
        assertThat(turn.getCost().getUnpricedCalls()).isZero();
        assertThat(turn.getContextTokens()).as("the last call's prompt").isEqualTo(150L);
        SessionSummary summary = session();
        assertThat(summary.getLlmCallCount()).isEqualTo(2);
        assertThat(summary.getTokenCount().getCacheRead()).isEqualTo(64);
        assertThat(summary.getCost().getTotal()).isCloseTo(expected, Offset.offset(1e-12));
    }

    @Test
    void shouldCountAWrapperLlmSpanOnlyUntilItsChildArrivesParentFirst() {
        GenAiPayloads.OpenInference oi = GenAiPayloads.openInference();
        ChatCall call = ChatCall.answer(MODEL, QUESTION, ANSWER, new Tokens(100, 20, 0, 0));
        ChatCall wrapperSays = ChatCall.answer(MODEL, QUESTION, ANSWER, new Tokens(130, 25, 0, 0));
        send(scopeSpans(OI, oi.wrapperLlmSpan(ids(2, 0, 0, 2_000_000), SESSION, wrapperSays)));
        assertThat(onlyTurn().getLlmCallCount()).as("alone, the wrapper is a leaf").isEqualTo(1);
        assertThat(onlyTurn().getTokenCount().getTotal()).isEqualTo(155);

        send(scopeSpans(OI, oi.llmSpan(ids(3, 2, 100_000, 1_900_000), SESSION, call)));

        Turn turn = onlyTurn();
        assertThat(turn.getLlmCallCount()).isEqualTo(1);
        assertThat(turn.getTokenCount().getTotal()).isEqualTo(120);
        assertThat(turn.getLlmCalls()).extracting(LlmCall::getSpanId).containsExactly(OtlpTraces.hex(
                OtlpTraces.spanId(3)));
        SessionSummary summary = session();
        assertThat(summary.getLlmCallCount()).isEqualTo(1);
        assertThat(summary.getTokenCount().getTotal()).isEqualTo(120);
        assertThat(summary.getCost().getTotal()).isCloseTo(turn.getCost().getTotal(), Offset.offset(1e-12));
    }

    @Test
    void shouldNeverCountAWrapperWhoseChildArrivedFirstEvenThroughASpanThatComesLast() {
        GenAiPayloads.OpenInference oi = GenAiPayloads.openInference();
        ChatCall call = ChatCall.answer(MODEL, QUESTION, ANSWER, new Tokens(100, 20, 0, 0));
        // wrapper (2) -> chain span (5) -> client call (3); the chain span arrives last.
        send(scopeSpans(OI, oi.llmSpan(ids(3, 5, 100_000, 1_900_000), SESSION, call)));
        send(scopeSpans(OI, oi.wrapperLlmSpan(ids(2, 0, 0, 2_000_000), SESSION, call)));
        assertThat(onlyTurn().getLlmCallCount()).as("no chain known yet: two leaves").isEqualTo(2);

        Span chain = OtlpTraces.attr(OtlpTraces.span(TRACE, 5, 2, 50_000, 1_950_000), "openinference.span.kind",
                "CHAIN").build();
        send(scopeSpans(OI, chain));

        Turn turn = onlyTurn();
        assertThat(turn.getLlmCallCount()).isEqualTo(1);
        assertThat(turn.getTokenCount().getTotal()).isEqualTo(120);
        assertThat(session().getTokenCount().getTotal()).isEqualTo(120);
    }

    @Test
    void shouldReadATraceloopAgentTurnFromItsGenAiMessagesAndToolSpan() {
        GenAiPayloads.Traceloop tl = GenAiPayloads.traceloop();
        send(scopeSpans(TL, tl.llmSpan(FIRST, SESSION, "agent", ASK_TOOL),
                        tl.llmSpan(SECOND, SESSION, "agent", ANSWER_AFTER_TOOL)),
                scopeSpans(TL_SDK, tl.toolSpan(TOOL, SESSION, "agent", WEATHER),
                        tl.workflowSpan(ROOT, SESSION, "agent", QUESTION, ANSWER)));

        Turn turn = onlyTurn();
        assertThat(turn.getInput().getValue()).isEqualTo(QUESTION);
        assertThat(turn.getOutput().getValue()).as("the later call's answer").isEqualTo(ANSWER);
        assertAgentTurn(turn, false);
        assertThat(turn.getToolCalls().get(0).getArguments().getValue()).as("the message's arguments, as sent")
                .isEqualTo(WEATHER.arguments());
    }

    @Test
    void shouldReadAnOtelGenAiTurnWhoseContentIsOnlyInLogRecordsSentBeforeItsSpans() {
        sendOtelLogs();
        assertThat(topology.turns().isEmpty()).as("no session key yet: the trace waits for its spans").isTrue();
        sendOtelSpans();

        assertOtelTurn(onlyTurn());
    }

    @Test
    void shouldReadAnOtelGenAiTurnWhoseContentIsOnlyInLogRecordsSentAfterItsSpans() {
        sendOtelSpans();
        Turn before = onlyTurn();
        assertThat(before.getInput()).isNull();
        assertThat(before.getLlmCallCount()).isEqualTo(2);

        sendOtelLogs();

        assertOtelTurn(onlyTurn());
    }

    @Test
    void shouldReadTheOperationDetailsSpanEvent() {
        GenAiPayloads.OtelGenAi otel = GenAiPayloads.otelGenAi();
        ChatCall call = ChatCall.answer(MODEL, QUESTION, ANSWER, new Tokens(100, 20, 0, 0));
        Span chat = otel.chatSpan(FIRST, call).toBuilder().addEvents(otel.operationDetailsEvent(FIRST, call)).build();
        send(scopeSpans(OTEL, chat), scopeSpans(APP, otel.conversationSpan(ROOT, "chat", SESSION)));

        Turn turn = onlyTurn();
        assertThat(turn.getInput().getValue()).isEqualTo(QUESTION);
        assertThat(turn.getOutput().getValue()).isEqualTo(ANSWER);
    }

    @Test
    void shouldListAToolCallOnceThatAMessageAndAnExecuteToolSpanBothTellOf() {
        GenAiPayloads.OpenInference oi = GenAiPayloads.openInference();
        GenAiPayloads.OtelGenAi otel = GenAiPayloads.otelGenAi();
        send(scopeSpans(OI, oi.llmSpan(FIRST, SESSION, ASK_TOOL), oi.llmSpan(SECOND, SESSION,
                ANSWER_AFTER_TOOL)));
        send(scopeSpans(APP, otel.executeToolSpan(TOOL, SESSION, WEATHER)));

        Turn turn = onlyTurn();
        assertThat(turn.getToolCalls()).hasSize(1);
        ToolCall call = turn.getToolCalls().get(0);
        assertThat(call.getId()).isEqualTo("call_abc");
        assertThat(call.getResultValue().getValue()).isEqualTo(WEATHER.result());
        assertThat(call.getStatus()).isEqualTo(ToolCallStatus.OK);
        assertThat(call.getSpanId()).isEqualTo(OtlpTraces.hex(OtlpTraces.spanId(3)));
    }

    @Test
    void shouldCountACallOfAnUnknownModelAsUnpricedNotAsFree() {
        GenAiPayloads.OpenInference oi = GenAiPayloads.openInference();
        send(scopeSpans(OI,
                oi.llmSpan(FIRST, SESSION, ChatCall.answer("acme-local-7b", QUESTION, ANSWER, FIRST_TOKENS)),
                oi.llmSpan(SECOND, SESSION, ChatCall.answer(MODEL, QUESTION, ANSWER, FIRST_TOKENS))));

        Turn turn = onlyTurn();
        assertThat(turn.getCost().getUnpricedCalls()).isEqualTo(1);
        assertThat(turn.getCost().getUnpricedModels()).containsExactly("acme-local-7b");
        assertThat(turn.getLlmCalls()).filteredOn(c -> c.getCost().getUnpricedCalls() == 1)
                .extracting(LlmCall::getModel).containsExactly("acme-local-7b");
        assertThat(turn.getCost().getTotal()).as("the priced call only").isGreaterThan(0);
        SessionSummary summary = session();
        assertThat(summary.getCost().getUnpricedCalls()).isEqualTo(1);
        assertThat(summary.getCost().getUnpricedModels()).containsExactly("acme-local-7b");
        assertThat(topology.driver().metrics().keySet()).anySatisfy(name -> {
            assertThat(name.name()).isEqualTo("unpriced-calls-total");
            assertThat(name.tags()).containsEntry("model", "acme-local-7b");
        });
    }

    @Test
    void shouldListTheFirstToolCallsAndCountTheRestWhereverTheListFilled() {
        GenAiPayloads.OtelGenAi otel = GenAiPayloads.otelGenAi();
        send(scopeSpans(APP, otel.conversationSpan(ROOT, "agent", SESSION)));
        int calls = TurnLimits.MAX_TOOL_CALLS + 3;
        for (int i = 0; i < calls; i++) {
            // One record each: the turn's list fills in stage 2, delta by delta.
            GenAiPayloads.ToolCall call = new GenAiPayloads.ToolCall("call_" + i, "search", "{}", "[]");
            send(scopeSpans(APP, otel.executeToolSpan(ids(10 + i, 1, 10_000L * i, 10_000L * i + 5_000), SESSION,
                    call)));
        }

        Turn turn = onlyTurn();
        assertThat(turn.getToolCalls()).hasSize(TurnLimits.MAX_TOOL_CALLS);
        assertThat(turn.getToolCalls().get(0).getId()).isEqualTo("call_0");
        assertThat(turn.getToolCallsCut()).isEqualTo(3);
        double counted = topology.driver().metrics().entrySet().stream()
                .filter(e -> e.getKey().name().equals("tool-calls-cut-total"))
                .mapToDouble(e -> ((Number) e.getValue().metricValue()).doubleValue()).sum();
        assertThat(counted).isEqualTo(3.0);
    }

    @Test
    void shouldSplitAndReKeyLogRecordsInTheCollectorsFormat() {
        sendOtelSpans();
        GenAiPayloads.OtelGenAi otel = GenAiPayloads.otelGenAi();
        List<LogRecord> records = new ArrayList<>(otel.messageLogs(FIRST, ASK_TOOL));
        records.addAll(otel.messageLogs(SECOND, ANSWER_AFTER_TOOL));
        // The kafkaexporter writes whole exports, unkeyed; a record without a trace id joins no turn.
        records.add(LogRecord.newBuilder().setEventName("gen_ai.user.message").build());
        topology.logs().pipeInput((String) null, logs(resourceLogs("agent", scopeLogs(OTEL, records)))
                .toByteArray());

        assertOtelTurn(onlyTurn());
    }

    private void sendOtelSpans() {
        GenAiPayloads.OtelGenAi otel = GenAiPayloads.otelGenAi();
        send(scopeSpans(OTEL, otel.chatSpan(FIRST, ASK_TOOL), otel.chatSpan(SECOND, ANSWER_AFTER_TOOL)),
                scopeSpans(APP, otel.conversationSpan(ROOT, "agent", SESSION)));
    }

    private void sendOtelLogs() {
        GenAiPayloads.OtelGenAi otel = GenAiPayloads.otelGenAi();
        List<LogRecord> records = new ArrayList<>(otel.messageLogs(FIRST, ASK_TOOL.withSystem("Be brief.")));
        records.addAll(otel.messageLogs(SECOND, ANSWER_AFTER_TOOL.withSystem("Be brief.")));
        ExportLogsServiceRequest request = logs(resourceLogs("agent", scopeLogs(OTEL, records)));
        topology.logs().pipeInput(OtlpTraces.traceHex(TRACE), request.toByteArray());
    }

    private static void assertOtelTurn(Turn turn) {
        assertThat(turn.getInput().getValue()).isEqualTo(QUESTION);
        assertThat(turn.getOutput().getValue()).isEqualTo(ANSWER);
        assertThat(turn.getLlmCallCount()).isEqualTo(2);
        assertThat(turn.getTokenCount().getPrompt()).isEqualTo(250);
        assertThat(turn.getToolCalls()).hasSize(1);
        ToolCall call = turn.getToolCalls().get(0);
        assertThat(call.getId()).isEqualTo("call_abc");
        assertThat(call.getName()).isEqualTo("get_weather");
        assertThat(call.getArguments().getValue()).isEqualTo(WEATHER.arguments());
        assertThat(call.getResultValue().getValue()).isEqualTo(WEATHER.result());
        assertThat(call.getStatus()).as("no tool span told of it").isEqualTo(ToolCallStatus.UNSET);
    }

    /** Two leaf calls, and one tool call merged from the message that asked for it and the tool's span. */
    private static void assertAgentTurn(Turn turn, boolean toolSpanResultIsJson) {
        assertThat(turn.getLlmCallCount()).isEqualTo(2);
        assertThat(turn.getLlmCalls()).extracting(LlmCall::getModel).containsExactly(MODEL, MODEL);
        assertThat(turn.getTokenCount().getPrompt()).isEqualTo(250);
        assertThat(turn.getTokenCount().getCompletion()).isEqualTo(50);
        assertThat(turn.getToolCalls()).hasSize(1);
        ToolCall call = turn.getToolCalls().get(0);
        assertThat(call.getId()).isEqualTo("call_abc");
        assertThat(call.getName()).isEqualTo("get_weather");
        assertThat(call.getArguments()).isNotNull();
        assertThat(call.getResultValue().getValue()).contains("18");
        assertThat(call.getStatus()).isNotEqualTo(ToolCallStatus.ERROR);
        assertThat(call.getStartTime()).as("the tool's span").isNotNull();
        assertThat(call.getDurationMs()).isCloseTo(200.0, Offset.offset(1e-9));
        if (toolSpanResultIsJson) {
            assertThat(call.getResultValue().getValue()).isEqualTo(WEATHER.result());
        }
    }

    private static Span.Builder rootSpan() {
        return OtlpTraces.span(TRACE, 1, 0, 0, 4_000_000).setName("agent");
    }

    private void send(io.opentelemetry.proto.trace.v1.ScopeSpans... scopes) {
        topology.spans().pipeInput(OtlpTraces.traceHex(TRACE), traces(resourceSpans("agent", scopes)).toByteArray());
    }

    private Turn onlyTurn() {
        KeyValueStore<Bytes, Turn> store = topology.store(SessionTopology.TRANSCRIPTS_STORE);
        String key = RecordContract.sessionKey(RecordContract.DEFAULT_TENANT, SESSION);
        List<Turn> turns = new ArrayList<>();
        try (KeyValueIterator<Bytes, Turn> it = store.range(StoreKeys.transcriptFrom(key),
                StoreKeys.transcriptTo(key))) {
            it.forEachRemaining(kv -> turns.add(kv.value));
        }
        assertThat(turns).hasSize(1);
        return turns.get(0);
    }

    private SessionSummary session() {
        KeyValueStore<String, SessionState> store = topology.store(SessionTopology.SESSIONS_STORE);
        return store.get(RecordContract.sessionKey(RecordContract.DEFAULT_TENANT, SESSION)).getSummary();
    }
}
