package io.sessionizer.aggregator.domain;

import static io.sessionizer.testing.OtlpTraces.attr;
import static io.sessionizer.testing.OtlpTraces.span;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.Span;
import io.sessionizer.aggregator.state.TraceState;
import io.sessionizer.aggregator.state.TurnDelta;
import io.sessionizer.schemas.IoValue;
import io.sessionizer.schemas.Turn;
import io.sessionizer.schemas.TurnStatus;
import io.sessionizer.schemas.otlp.TraceFitter;
import io.sessionizer.testing.GenAiPayloads;
import io.sessionizer.testing.OtlpTraces;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TurnAssemblerTest {
    private static final Resource RESOURCE = OtlpTraces.resource("chat-app");
    private final TurnAssembler assembler = new TurnAssembler(
            new SessionKeyResolver(SessionKeyResolver.DEFAULT_KEYS), PriceTable.builtIn());

    /** The delta stage 1 takes after a batch: its span tree is the state's. */
    private static TurnDelta delta(TraceState state) {
        return TurnAssembler.takeDelta(state, TurnAssembler.spanParents(state));
    }

    /** All spans in one batch, then one delta merged into no previous turn. */
    private Turn assemble(Span.Builder... spans) {
        TraceState state = TurnAssembler.newTrace("default", OtlpTraces.traceHex(1), 0);
        Map<Long, Long> seen = TurnAssembler.spanParents(state);
        for (Span.Builder span : spans) {
            assembler.add(state, seen, RESOURCE, span.build(), new TurnLimits.Cuts());
        }
        return TurnAssembler.merge(null, delta(state), Instant.EPOCH, new TurnLimits.Cuts());
    }

    /** One batch per span, a delta after each once the session is known, as stage 1 and stage 2 do it. */
    private Turn assembleOneByOne(Span.Builder... spans) {
        TraceState state = TurnAssembler.newTrace("default", OtlpTraces.traceHex(1), 0);
        Turn turn = null;
        for (Span.Builder span : spans) {
            Map<Long, Long> seen = TurnAssembler.spanParents(state);
            boolean changed = assembler.add(state, seen, RESOURCE, span.build(), new TurnLimits.Cuts());
            if (changed && state.getSessionId() != null) {
                turn = TurnAssembler.merge(turn, delta(state), Instant.EPOCH, new TurnLimits.Cuts());
            }
        }
        return turn;
    }

    private static Span.Builder root() {
        Span.Builder root = span(1, 1, 0, 0, 900);
        attr(root, "session.id", "s-1");
        attr(root, "input.value", "What is Kafka?");
        attr(root, "input.mime_type", "text/plain");
        attr(root, "output.value", "{\"answer\": \"a log\"}");
        attr(root, "output.mime_type", "application/json");
        return root;
    }

    private static Span.Builder llm(long id, long parent, long prompt, long completion) {
        Span.Builder llm = span(1, id, parent, 100, 800);
        attr(llm, "openinference.span.kind", "LLM");
        attr(llm, "llm.model_name", "gpt-4o");
        attr(llm, "llm.token_count.prompt", prompt);
        attr(llm, "llm.token_count.completion", completion);
        attr(llm, "input.value", "[system] ... [user] What is Kafka?");
        return llm;
    }

    @Test
    void shouldTakeInputAndOutputFromTheRootSpanWithTheirMimeTypes() {
        Turn turn = assemble(llm(2, 1, 10, 5), root());
        assertThat(turn.getInput()).isEqualTo(new IoValue("What is Kafka?", "text/plain", false, null));
        assertThat(turn.getOutput())
                .isEqualTo(new IoValue("{\"answer\": \"a log\"}", "application/json", false, null));
        assertThat(turn.getSessionId()).isEqualTo("s-1");
        assertThat(turn.getTraceId()).isEqualTo(OtlpTraces.traceHex(1));
        assertThat(turn.getProject()).isEqualTo("chat-app");
    }

    @Test
    void shouldCutAMegabyteInputToTheTextLimitAndMarkIt() {
        TurnAssembler small = new TurnAssembler(new SessionKeyResolver(SessionKeyResolver.DEFAULT_KEYS),
                PriceTable.builtIn(), new TurnLimits(1024));
        TraceState state = TurnAssembler.newTrace("default", OtlpTraces.traceHex(1), 0);
        Span.Builder root = span(1, 1, 0, 0, 900);
        attr(root, "session.id", "s-1");
        attr(root, "input.value", "a".repeat(1_100_000));
        attr(root, "output.value", "b".repeat(650_000));
        TurnLimits.Cuts cuts = new TurnLimits.Cuts();
        small.add(state, TurnAssembler.spanParents(state), RESOURCE, root.build(), cuts);
        Turn turn = TurnAssembler.merge(null, delta(state), Instant.EPOCH, new TurnLimits.Cuts());
        assertThat(turn.getInput()).isEqualTo(new IoValue("a".repeat(1024), null, true, 1_100_000L));
        assertThat(turn.getOutput()).isEqualTo(new IoValue("b".repeat(1024), null, true, 650_000L));
        assertThat(cuts.texts()).isEqualTo(2);
    }

    @Test
    void shouldKeepTheSizeATextHadBeforeTheIngestCutIt() {
        TurnAssembler small = new TurnAssembler(new SessionKeyResolver(SessionKeyResolver.DEFAULT_KEYS),
                PriceTable.builtIn(), new TurnLimits(1024));
        TraceState state = TurnAssembler.newTrace("default", OtlpTraces.traceHex(1), 0);
        Span.Builder root = span(1, 1, 0, 0, 900);
        attr(root, "session.id", "s-1");
        attr(root, "input.value", "a".repeat(2000));
        attr(root, TraceFitter.ORIGINAL_SIZE_ATTRIBUTE_PREFIX + "input.value", 15_000_000L);
        attr(root, "output.value", "b".repeat(500));
        attr(root, TraceFitter.ORIGINAL_SIZE_ATTRIBUTE_PREFIX + "output.value", 900_000L);
        small.add(state, TurnAssembler.spanParents(state), RESOURCE, root.build(), new TurnLimits.Cuts());
        Turn turn = TurnAssembler.merge(null, delta(state), Instant.EPOCH, new TurnLimits.Cuts());
        assertThat(turn.getInput()).isEqualTo(new IoValue("a".repeat(1024), null, true, 15_000_000L));
        assertThat(turn.getOutput()).isEqualTo(new IoValue("b".repeat(500), null, true, 900_000L));
    }

    @Test
    void shouldSpanFromEarliestStartToLatestEndWhateverTheArrivalOrder() {
        Turn turn = assemble(span(1, 3, 1, 200, 1500), root(), span(1, 2, 1, 50, 100));
        assertThat(turn.getStartTime()).isEqualTo(Instant.ofEpochSecond(0, (OtlpTraces.T0_MICROS) * 1000));
        assertThat(turn.getEndTime()).isEqualTo(Instant.ofEpochSecond(0, (OtlpTraces.T0_MICROS + 1500) * 1000));
        assertThat(turn.getSpanCount()).isEqualTo(3);
    }

    @Test
    void shouldCountARetriedSpanOnce() {
        Turn turn = assemble(root(), llm(2, 1, 10, 5), llm(2, 1, 10, 5));
        assertThat(turn.getSpanCount()).isEqualTo(2);
        assertThat(turn.getTokenCount().getTotal()).isEqualTo(15);
        assertThat(turn.getLlmCallCount()).isEqualTo(1);
    }

    @Test
    void shouldCountTokensOnLlmSpansOnlyNotOnParentsThatRepeatThem() {
        Span.Builder chain = span(1, 2, 1, 50, 850);
        attr(chain, "openinference.span.kind", "CHAIN");
        attr(chain, "llm.token_count.prompt", 30L);
        attr(chain, "llm.token_count.completion", 12L);
        Turn turn = assemble(root(), chain, llm(3, 2, 10, 5), llm(4, 2, 20, 7));
        assertThat(turn.getTokenCount().getPrompt()).isEqualTo(30);
        assertThat(turn.getTokenCount().getCompletion()).isEqualTo(12);
        assertThat(turn.getTokenCount().getTotal()).isEqualTo(42);
        assertThat(turn.getLlmCallCount()).isEqualTo(2);
        assertThat(turn.getModels()).containsExactly("gpt-4o");
    }

    @Test
    void shouldCountGenAiSemanticConventionTokens() {
        Span.Builder chat = span(1, 2, 1, 100, 200);
        attr(chat, "gen_ai.operation.name", "chat");
        attr(chat, "gen_ai.request.model", "claude-sonnet");
        attr(chat, "gen_ai.usage.input_tokens", 100L);
        attr(chat, "gen_ai.usage.output_tokens", 40L);
        Turn turn = assemble(root(), chat);
        assertThat(turn.getTokenCount().getTotal()).isEqualTo(140);
        assertThat(turn.getModels()).containsExactly("claude-sonnet");
    }

    @Test
    void shouldSumCostAttributesOfLlmSpans() {
        Span.Builder llm = llm(2, 1, 10, 5);
        attr(llm, "llm.cost.prompt", 0.001);
        attr(llm, "llm.cost.completion", 0.002);
        Turn turn = assemble(root(), llm);
        assertThat(turn.getCost().getTotal()).isEqualTo(0.003, org.assertj.core.data.Offset.offset(1e-12));
    }

    @Test
    void shouldBeAnErrorWhenAnySpanFailed() {
        assertThat(assemble(root(), llm(2, 1, 1, 1)).getStatus()).isEqualTo(TurnStatus.OK);
        assertThat(assemble(root(), OtlpTraces.error(llm(2, 1, 1, 1))).getStatus()).isEqualTo(TurnStatus.ERROR);
    }

    @Test
    void shouldFindTheSessionKeyOnAChildSpan() {
        Span.Builder root = span(1, 1, 0, 0, 900);
        Span.Builder child = attr(span(1, 2, 1, 10, 20), "session.id", "from-child");
        assertThat(assemble(root, child).getSessionId()).isEqualTo("from-child");
    }

    @Test
    void shouldKeepTheFirstSessionKeySeen() {
        Span.Builder first = attr(span(1, 2, 1, 10, 20), "session.id", "first");
        Span.Builder second = attr(span(1, 3, 1, 10, 20), "session.id", "second");
        assertThat(assemble(first, second).getSessionId()).isEqualTo("first");
    }

    @Test
    void shouldGiveTheSameTurnWhetherSpansComeTogetherOrOneByOne() {
        Span.Builder tool = OtlpTraces.error(span(1, 5, 1, 300, 400));
        Span.Builder[] spans = {llm(2, 1, 10, 5), span(1, 3, 1, 50, 60), root(), llm(4, 1, 20, 7),
            llm(2, 1, 10, 5), tool};
        Turn together = assemble(spans);
        Turn oneByOne = assembleOneByOne(spans);
        assertThat(oneByOne).usingRecursiveComparison().isEqualTo(together);
        assertThat(together.getSpanCount()).isEqualTo(5);
        assertThat(together.getStatus()).isEqualTo(TurnStatus.ERROR);
    }

    @Test
    void shouldFallBackToTheLastUserAndTheAssistantMessageOfOpenInferenceLlmSpans() {
        Span.Builder root = attr(span(1, 1, 0, 0, 900), "session.id", "s");
        Span.Builder llm = llm(2, 1, 10, 5);
        attr(llm, "llm.input_messages.0.message.role", "system");
        attr(llm, "llm.input_messages.0.message.content", "Be brief.");
        attr(llm, "llm.input_messages.1.message.role", "user");
        attr(llm, "llm.input_messages.1.message.content", "What is Kafka?");
        attr(llm, "llm.input_messages.2.message.role", "assistant");
        attr(llm, "llm.input_messages.2.message.content", "Earlier answer");
        attr(llm, "llm.input_messages.10.message.role", "user");
        attr(llm, "llm.input_messages.10.message.content", "And Kafka Streams?");
        attr(llm, "llm.output_messages.0.message.role", "assistant");
        attr(llm, "llm.output_messages.0.message.content", "A library.");
        Turn turn = assemble(root, llm);
        assertThat(turn.getInput()).isEqualTo(new IoValue("And Kafka Streams?", "text/plain", false, null));
        assertThat(turn.getOutput()).isEqualTo(new IoValue("A library.", "text/plain", false, null));
    }

    @Test
    void shouldFallBackToGenAiMessagesJson() {
        Span.Builder chat = span(1, 2, 1, 100, 200);
        attr(chat, "gen_ai.conversation.id", "conv-1");
        attr(chat, "gen_ai.operation.name", "chat");
        attr(chat, "gen_ai.input.messages", "[{\"role\":\"system\",\"parts\":[{\"type\":\"text\",\"content\":\"sys\"}]},"
                + "{\"role\":\"user\",\"parts\":[{\"type\":\"text\",\"content\":\"Weather in Paris?\"}]}]");
        attr(chat, "gen_ai.output.messages", "[{\"role\":\"assistant\",\"parts\":[{\"type\":\"text\","
                + "\"content\":\"Rainy.\"}],\"finish_reason\":\"stop\"}]");
        Turn turn = assemble(span(1, 1, 0, 0, 900), chat);
        assertThat(turn.getSessionId()).isEqualTo("conv-1");
        assertThat(turn.getInput().getValue()).isEqualTo("Weather in Paris?");
        assertThat(turn.getOutput().getValue()).isEqualTo("Rainy.");
    }

    @Test
    void shouldLetTheRootsInputWinOverAFallbackWhateverTheOrder() {
        Span.Builder llm = llm(2, 1, 10, 5);
        attr(llm, "llm.input_messages.0.message.role", "user");
        attr(llm, "llm.input_messages.0.message.content", "fallback");
        assertThat(assembleOneByOne(llm, root()).getInput().getValue()).isEqualTo("What is Kafka?");
        assertThat(assembleOneByOne(root(), llm).getInput().getValue()).isEqualTo("What is Kafka?");
    }

    @Test
    void shouldPriceTokensFromTheTableWhenSpansCarryNoCost() {
        Turn turn = assemble(root(), llm(2, 1, 1_000_000, 100_000));
        // gpt-4o: 2.50 USD per million prompt tokens, 10.00 per million completion tokens.
        assertThat(turn.getCost().getPrompt()).isEqualTo(2.5, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(turn.getCost().getCompletion()).isEqualTo(1.0, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(turn.getCost().getTotal()).isEqualTo(3.5, org.assertj.core.data.Offset.offset(1e-9));
    }

    @Test
    void shouldPreferCostAttributesOverThePriceTable() {
        Span.Builder llm = llm(2, 1, 1_000_000, 100_000);
        attr(llm, "llm.cost.total", 0.42);
        assertThat(assemble(root(), llm).getCost().getTotal()).isEqualTo(0.42);
    }

    @Test
    void shouldTakeTheFirstUserId() {
        Span.Builder first = attr(span(1, 2, 1, 10, 20), "user.id", "alice");
        Span.Builder second = attr(span(1, 3, 1, 10, 20), "user.id", "bob");
        assertThat(assemble(root(), first, second).getUserId()).isEqualTo("alice");
    }

    @Test
    void shouldCarryTheMetadataAndTagsOfAnySpanIntoTheTurn() {
        Span.Builder llm = llm(2, 1, 10, 5);
        attr(llm, "metadata", "{\"user\":{\"plan\":\"pro\"},\"thread_id\":\"t-1\"}");
        attr(llm, "langfuse.trace.tags", "[\"beta\"]");
        Span.Builder root = root();
        attr(root, "langsmith.metadata.thread_id", "first");
        attr(root, "tag.tags", "[\"chat\",\"beta\"]");

        Turn turn = assemble(root, llm);

        assertThat(turn.getMetadata()).containsOnly(entry("user.plan", "pro"), entry("thread_id", "first"));
        assertThat(turn.getTags()).containsExactly("chat", "beta");
    }

    @Test
    void shouldSendMetadataAndTagsInADeltaOnlyWhenTheyGainedAnEntry() {
        TraceState state = TurnAssembler.newTrace("default", OtlpTraces.traceHex(1), 0);
        TurnLimits.Cuts cuts = new TurnLimits.Cuts();
        Span.Builder root = root();
        attr(root, "langsmith.metadata.env", "prod");
        attr(root, "tag.tags", "chat");
        assembler.add(state, TurnAssembler.spanParents(state), RESOURCE, root.build(), cuts);
        TurnDelta first = delta(state);

        Span.Builder same = attr(span(1, 2, 1, 10, 20), "langsmith.metadata.env", "staging");
        assembler.add(state, TurnAssembler.spanParents(state), RESOURCE, same.build(), cuts);
        TurnDelta second = delta(state);

        Span.Builder more = attr(span(1, 3, 1, 10, 20), "langsmith.metadata.region", "eu");
        assembler.add(state, TurnAssembler.spanParents(state), RESOURCE, more.build(), cuts);
        TurnDelta third = delta(state);

        assertThat(first.getMetadata()).containsOnly(entry("env", "prod"));
        assertThat(first.getTags()).containsExactly("chat");
        assertThat(second.getMetadata()).as("nothing new").isEmpty();
        assertThat(second.getTags()).isEmpty();
        assertThat(third.getMetadata()).containsOnly(entry("env", "prod"), entry("region", "eu"));
        Turn turn = TurnAssembler.merge(null, first, Instant.EPOCH, cuts);
        turn = TurnAssembler.merge(turn, second, Instant.EPOCH, cuts);
        turn = TurnAssembler.merge(turn, third, Instant.EPOCH, cuts);
        assertThat(turn.getMetadata()).containsOnly(entry("env", "prod"), entry("region", "eu"));
        assertThat(turn.getTags()).containsExactly("chat");
        assertThat(cuts.metadata()).isZero();
    }

    /** The OpenAI Responses API path of the OTel instrumentation: call ids in call_id, the result in a user message. */
    @Test
    void shouldReadTheResponsesApisOperationDetailsRecordsWithTheirCallIds() {
        GenAiPayloads.OtelGenAi otel = GenAiPayloads.otelGenAi();
        GenAiPayloads.ToolCall weather = new GenAiPayloads.ToolCall("call_abc", "get_weather", "{\"city\":\"Paris\"}",
                "{\"temperature\":18}");
        GenAiPayloads.Tokens tokens = new GenAiPayloads.Tokens(10, 5, 0, 0);
        GenAiPayloads.ChatCall ask = GenAiPayloads.ChatCall.toolCall("gpt-4o", "Weather in Paris?", weather, tokens);
        GenAiPayloads.ChatCall answer = GenAiPayloads.ChatCall.answerAfterTool("gpt-4o", "Weather in Paris?", weather,
                "18 degrees.", tokens);
        GenAiPayloads.SpanIds first = GenAiPayloads.SpanIds.of(1, 2, 1, 100, 200);
        GenAiPayloads.SpanIds second = GenAiPayloads.SpanIds.of(1, 3, 1, 300, 400);
        TraceState state = TurnAssembler.newTrace("default", OtlpTraces.traceHex(1), 0);
        TurnLimits.Cuts cuts = new TurnLimits.Cuts();
        for (LogRecord log : List.of(otel.responsesInputLog(first, ask), otel.responsesOutputLog(first, ask),
                otel.responsesInputLog(second, answer), otel.responsesOutputLog(second, answer))) {
            assertThat(assembler.addLog(state, RESOURCE, log, cuts)).isTrue();
        }
        Span.Builder root = span(1, 1, 0, 0, 900);
        attr(root, "gen_ai.conversation.id", "s-1");
        assembler.add(state, TurnAssembler.spanParents(state), RESOURCE, root.build(), cuts);
        Turn turn = TurnAssembler.merge(null, delta(state), Instant.EPOCH, cuts);

        assertThat(turn.getInput().getValue()).as("the user's text, not the tool result sent as a user message")
                .isEqualTo("Weather in Paris?");
        assertThat(turn.getOutput().getValue()).isEqualTo("18 degrees.");
        assertThat(turn.getToolCalls()).hasSize(1);
        assertThat(turn.getToolCalls().get(0).getId()).isEqualTo("call_abc");
        assertThat(turn.getToolCalls().get(0).getResultValue().getValue()).isEqualTo("{\"temperature\":18}");
    }

    @Test
    void shouldPriceCachedPromptTokensAtTheCachePriceAndFlagAnUnknownModel() {
        Span.Builder cached = llm(2, 1, 1000, 100);
        attr(cached, "llm.model_name", "gpt-4o");
        attr(cached, "llm.token_count.prompt_details.cache_read", 800);
        Span.Builder unknown = llm(3, 1, 1000, 100);
        attr(unknown, "llm.model_name", "acme-7b");

        Turn turn = assemble(root(), cached, unknown);

        PriceTable.Price price = PriceTable.builtIn().find("gpt-4o");
        assertThat(turn.getCost().getTotal()).isCloseTo(price.prompt(1000, 800, 0) + price.completion(100),
                org.assertj.core.data.Offset.offset(1e-12));
        assertThat(turn.getCost().getUnpricedCalls()).isEqualTo(1);
        assertThat(turn.getCost().getUnpricedModels()).containsExactly("acme-7b");
        assertThat(turn.getTokenCount().getCacheRead()).isEqualTo(800);
    }

    @Test
    void shouldCountCachedTokensAsPromptTokensWhenTheSpanLeftThemOut() {
        // Anthropic's input_tokens exclude the cache; a span that copies them has fewer prompt than cached tokens.
        Span.Builder call = llm(2, 1, 20, 100);
        attr(call, "gen_ai.usage.cache_read.input_tokens", 900);
        attr(call, "gen_ai.usage.cache_creation.input_tokens", 80);

        Turn turn = assemble(root(), call);

        assertThat(turn.getTokenCount().getPrompt()).isEqualTo(1000);
        assertThat(turn.getTokenCount().getCacheWrite()).isEqualTo(80);
    }
}
