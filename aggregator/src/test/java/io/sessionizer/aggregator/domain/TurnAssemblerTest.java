package io.sessionizer.aggregator.domain;

import static io.sessionizer.aggregator.Otlp.attr;
import static io.sessionizer.aggregator.Otlp.span;
import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.Span;
import io.sessionizer.aggregator.Otlp;
import io.sessionizer.schemas.IoValue;
import io.sessionizer.schemas.Turn;
import io.sessionizer.schemas.TurnStatus;
import io.sessionizer.schemas.internal.TraceState;
import java.time.Instant;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TurnAssemblerTest {
    private static final Resource RESOURCE = Otlp.resource("chat-app");
    private final TurnAssembler assembler = new TurnAssembler(
            new SessionKeyResolver(SessionKeyResolver.DEFAULT_KEYS));

    private Turn assemble(Span.Builder... spans) {
        TraceState state = TurnAssembler.newTrace("default", Otlp.traceHex(1));
        Set<Long> seen = TurnAssembler.seenSpans(state);
        for (Span.Builder span : spans) {
            assembler.add(state, seen, RESOURCE, span.build());
        }
        return TurnAssembler.toTurn(state, Instant.EPOCH);
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
        assertThat(turn.getInput()).isEqualTo(new IoValue("What is Kafka?", "text/plain"));
        assertThat(turn.getOutput()).isEqualTo(new IoValue("{\"answer\": \"a log\"}", "application/json"));
        assertThat(turn.getSessionId()).isEqualTo("s-1");
        assertThat(turn.getTraceId()).isEqualTo(Otlp.traceHex(1));
        assertThat(turn.getProject()).isEqualTo("chat-app");
    }

    @Test
    void shouldSpanFromEarliestStartToLatestEndWhateverTheArrivalOrder() {
        Turn turn = assemble(span(1, 3, 1, 200, 1500), root(), span(1, 2, 1, 50, 100));
        assertThat(turn.getStartTime()).isEqualTo(Instant.ofEpochSecond(0, (Otlp.T0_MICROS) * 1000));
        assertThat(turn.getEndTime()).isEqualTo(Instant.ofEpochSecond(0, (Otlp.T0_MICROS + 1500) * 1000));
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
        assertThat(assemble(root(), Otlp.error(llm(2, 1, 1, 1))).getStatus()).isEqualTo(TurnStatus.ERROR);
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
    void shouldTakeTheFirstUserId() {
        Span.Builder first = attr(span(1, 2, 1, 10, 20), "user.id", "alice");
        Span.Builder second = attr(span(1, 3, 1, 10, 20), "user.id", "bob");
        assertThat(assemble(root(), first, second).getUserId()).isEqualTo("alice");
    }
}
