package io.sessionizer.loadgen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class TrafficTest {
    private static final long START = 1_764_000_000_000_000_000L;

    @Test
    void shouldInterleaveTheTurnsOfTheSessionsInFlightAndStartNewSessionsAfterTheLastTurn() {
        Traffic traffic = new Traffic(1, new Traffic.Shape(3, 2, 5), "s");

        assertThat(List.of(0L, 1L, 2L, 3L, 4L, 5L, 6L, 9L).stream().map(traffic::session).toList())
                .containsExactly(0L, 1L, 2L, 0L, 1L, 2L, 3L, 3L);
        assertThat(List.of(0L, 2L, 3L, 5L, 6L, 9L).stream().map(traffic::turn).toList())
                .containsExactly(0L, 0L, 1L, 1L, 0L, 1L);
        assertThat(traffic.sessionId(traffic.session(7))).isEqualTo("s-4");
    }

    @Test
    void shouldPutTheTracesOfAnExportUnderOneResourceAndScope() {
        Traffic traffic = new Traffic(1, new Traffic.Shape(10, 10, 5), "s");

        ExportTraceServiceRequest request = traffic.request(0, 4, START);

        assertThat(request.getResourceSpansCount()).isEqualTo(1);
        assertThat(request.getResourceSpans(0).getScopeSpansCount()).isEqualTo(1);
        List<Span> spans = request.getResourceSpans(0).getScopeSpans(0).getSpansList();
        assertThat(spans).hasSize(20);
        assertThat(spans.stream().map(s -> s.getTraceId()).distinct()).hasSize(4);
    }

    @Test
    void shouldShapeATurnAsAnAgentWithAChainLlmAndToolCalls() {
        Traffic traffic = new Traffic(1, new Traffic.Shape(40, 10, 5), "s");

        List<Span> spans = traffic.trace(41, START).getResourceSpans(0).getScopeSpans(0).getSpansList();

        assertThat(spans).extracting(s -> attributes(s).get("openinference.span.kind"))
                .containsExactly("AGENT", "CHAIN", "LLM", "TOOL", "LLM");
        Map<String, String> root = attributes(spans.get(0));
        assertThat(root.get("session.id")).isEqualTo("s-1");
        assertThat(root.get("input.value")).contains(Traffic.topic(1));
        assertThat(root.get("output.value")).isNotBlank();
        assertThat(spans.get(0).getParentSpanId().isEmpty()).isTrue();
        assertThat(spans.subList(1, 5)).allMatch(s -> !s.getParentSpanId().isEmpty());
        Map<String, String> llm = attributes(spans.get(2));
        assertThat(llm).containsKeys("llm.model_name", "llm.token_count.prompt", "llm.token_count.completion",
                "llm.input_messages.0.message.content", "llm.output_messages.0.message.content");
        assertThat(spans).allMatch(s -> s.getEndTimeUnixNano() > s.getStartTimeUnixNano());
    }

    @Test
    void shouldMakeTheSameBytesForTheSameSeedAndOtherTraceIdsForAnother() {
        Traffic.Shape shape = new Traffic.Shape(10, 10, 5);

        byte[] first = new Traffic(7, shape, "s").request(0, 10, START).toByteArray();
        byte[] again = new Traffic(7, shape, "s").request(0, 10, START).toByteArray();

        assertThat(again).isEqualTo(first);
        assertThat(new Traffic(8, shape, "s").traceHex(0)).isNotEqualTo(new Traffic(7, shape, "s").traceHex(0));
        assertThat(new Traffic(7, shape, "s").traceHex(0)).hasSize(32).isNotEqualTo(
                new Traffic(7, shape, "s").traceHex(1));
    }

    @Test
    void shouldRefuseAShapeWithoutSpans() {
        assertThatThrownBy(() -> new Traffic.Shape(1, 1, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    private static Map<String, String> attributes(Span span) {
        return span.getAttributesList().stream().collect(Collectors.toMap(KeyValue::getKey,
                kv -> kv.getValue().hasIntValue() ? Long.toString(kv.getValue().getIntValue())
                        : kv.getValue().getStringValue()));
    }
}
