package io.sessionizer.aggregator.domain;

import static org.assertj.core.api.Assertions.assertThat;

import io.sessionizer.schemas.IoValue;
import io.sessionizer.schemas.ToolCall;
import io.sessionizer.schemas.ToolCallStatus;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ToolCallsTest {
    private static IoValue text(String value) {
        return new IoValue(value, null, false, null);
    }

    private static ToolCall span(String id, String name, String spanId) {
        return ToolCalls.fromSpan(id, name, text("{\"city\":\"Paris\"}"), text("18"), false, 1_000_000L, 12.5,
                spanId);
    }

    @Test
    void shouldMergeAMessageAndASpanOfTheSameIdIntoOneCallWhicheverComesFirst() {
        for (boolean spanFirst : new boolean[] {false, true}) {
            List<ToolCall> calls = new ArrayList<>();
            ToolCall message = ToolCalls.fromMessage("call_1", "get_weather", text("{\"city\":\"Paris\"}"));
            ToolCall span = span("call_1", "get_weather", "00000000000000aa");
            ToolCalls.merge(calls, spanFirst ? span : message, 32, false);
            ToolCalls.merge(calls, spanFirst ? message : span, 32, false);

            assertThat(calls).hasSize(1);
            assertThat(calls.get(0).getResultValue().getValue()).isEqualTo("18");
            assertThat(calls.get(0).getStatus()).isEqualTo(ToolCallStatus.OK);
            assertThat(calls.get(0).getSpanId()).isEqualTo("00000000000000aa");
            assertThat(calls.get(0).getDurationMs()).isEqualTo(12.5);
        }
    }

    @Test
    void shouldMatchASpanWithoutIdToTheFirstCallOfItsNameThatNoSpanToldOf() {
        List<ToolCall> calls = new ArrayList<>();
        ToolCalls.merge(calls, ToolCalls.fromMessage("call_1", "get_weather", text("{\"city\":\"Paris\"}")), 32, false);
        ToolCalls.merge(calls, ToolCalls.fromMessage("call_2", "get_weather", text("{\"city\":\"Rome\"}")), 32, false);
        ToolCalls.merge(calls, span(null, "get_weather", "00000000000000aa"), 32, false);
        ToolCalls.merge(calls, span(null, "get_weather", "00000000000000bb"), 32, false);
        ToolCalls.merge(calls, span(null, "search", "00000000000000cc"), 32, false);

        assertThat(calls).extracting(ToolCall::getId).containsExactly("call_1", "call_2", null);
        assertThat(calls).extracting(ToolCall::getSpanId)
                .containsExactly("00000000000000aa", "00000000000000bb", "00000000000000cc");
    }

    @Test
    void shouldCompleteACallWithAResultOnlyWhereTheCallIsKnown() {
        List<ToolCall> turn = new ArrayList<>();
        ToolCalls.merge(turn, ToolCalls.fromMessage("call_1", "get_weather", null), 32, false);
        ToolCalls.merge(turn, ToolCalls.result("call_1", text("18")), 32, false);
        ToolCalls.merge(turn, ToolCalls.result("call_0", text("of an earlier turn")), 32, false);
        assertThat(turn).hasSize(1);
        assertThat(turn.get(0).getResultValue().getValue()).isEqualTo("18");

        List<ToolCall> pending = new ArrayList<>();
        ToolCalls.merge(pending, ToolCalls.result("call_1", text("18")), 32, true);
        assertThat(pending).as("stage 1 forwards it to the turn that has the call").hasSize(1);
    }

    @Test
    void shouldRefuseANewCallOverTheBoundButStillCompleteListedOnes() {
        List<ToolCall> calls = new ArrayList<>();
        assertThat(ToolCalls.merge(calls, ToolCalls.fromMessage("a", "x", null), 1, false)).isTrue();
        assertThat(ToolCalls.merge(calls, ToolCalls.fromMessage("b", "x", null), 1, false)).isFalse();
        assertThat(ToolCalls.merge(calls, ToolCalls.result("a", text("done")), 1, false)).isTrue();
        assertThat(calls).hasSize(1);
        assertThat(calls.get(0).getResultValue().getValue()).isEqualTo("done");
    }
}
