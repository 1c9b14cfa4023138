package io.sessionizer.schemas.otlp;

import static io.sessionizer.testing.OtlpTraces.attribute;
import static io.sessionizer.testing.OtlpTraces.resource;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.sessionizer.testing.OtlpTraces;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class TraceFitterTest {
    static final int BUDGET = 960 * 1024;
    private static final byte[] TRACE_ID = HexFormat.of().parseHex("5b8efff798038103d269b633813fc60c");

    static Span span(int id, KeyValue... attributes) {
        return OtlpTraces.span(ByteString.copyFrom(TRACE_ID), id + 1, 0, 1, 2).addAllAttributes(List.of(attributes))
                .build();
    }

    static TraceBatch trace(Resource resource, Span... spans) {
        ExportTraceServiceRequest request = ExportTraceServiceRequest.newBuilder().addResourceSpans(
                ResourceSpans.newBuilder().setResource(resource).setSchemaUrl("https://opentelemetry.io/schemas/1.24.0")
                        .addScopeSpans(ScopeSpans.newBuilder().setScope(InstrumentationScope.newBuilder()
                                .setName("chat.library")).addAllSpans(List.of(spans)))).build();
        return new TraceBatch(HexFormat.of().formatHex(TRACE_ID), request, spans.length);
    }

    static List<Span> spans(List<TraceBatch> records) {
        return records.stream().flatMap(r -> r.request().getResourceSpansList().stream())
                .flatMap(r -> r.getScopeSpansList().stream()).flatMap(s -> s.getSpansList().stream()).toList();
    }

    static Map<String, AnyValue> attributes(List<KeyValue> attributes) {
        return attributes.stream().collect(Collectors.toMap(KeyValue::getKey, KeyValue::getValue, (a, b) -> b));
    }

    /** Every record within the budget, keyed by the trace, with every span once, in order, as its span count says. */
    static void assertFits(TraceBatch trace, TraceFitter.Fitted fitted, int budget) {
        assertThat(fitted.records()).allSatisfy(record -> {
            assertThat(record.request().getSerializedSize()).isLessThanOrEqualTo(budget);
            assertThat(record.traceId()).isEqualTo(trace.traceId());
            assertThat(record.spanCount()).isEqualTo(spans(List.of(record)).size()).isPositive();
        });
        assertThat(spans(fitted.records()).stream().map(Span::getSpanId).toList())
                .isEqualTo(spans(List.of(trace)).stream().map(Span::getSpanId).toList());
    }

    @Test
    void shouldLeaveATraceThatFitsAsItIs() {
        TraceBatch trace = trace(resource("chat"), span(1, attribute("input.value", "hello")), span(2));

        TraceFitter.Fitted fitted = TraceFitter.fit(trace, BUDGET);

        assertThat(fitted.records()).containsExactly(trace);
        assertThat(fitted.records().get(0).request().toByteArray()).isEqualTo(trace.request().toByteArray());
        assertThat(fitted).extracting(TraceFitter.Fitted::truncatedSpans, TraceFitter.Fitted::truncatedValues,
                TraceFitter.Fitted::droppedItems).containsExactly(0, 0, 0);
    }

    @Test
    void shouldSplitALargeTraceIntoRecordsThatKeepTheirSpansWholeWithResourceAndScope() {
        Span[] spans = new Span[40];
        for (int i = 0; i < spans.length; i++) {
            spans[i] = span(i, attribute("input.value", "x".repeat(100_000)));
        }
        TraceBatch trace = trace(resource("chat"), spans);

        TraceFitter.Fitted fitted = TraceFitter.fit(trace, BUDGET);

        assertThat(fitted.records()).hasSizeGreaterThan(4);
        assertFits(trace, fitted, BUDGET);
        assertThat(spans(fitted.records())).containsExactly(spans);
        assertThat(fitted.truncatedSpans()).isZero();
        ResourceSpans original = trace.request().getResourceSpans(0);
        assertThat(fitted.records()).allSatisfy(r -> {
            ResourceSpans resourceSpans = r.request().getResourceSpans(0);
            assertThat(resourceSpans.getResource()).isEqualTo(original.getResource());
            assertThat(resourceSpans.getSchemaUrl()).isEqualTo(original.getSchemaUrl());
            assertThat(resourceSpans.getScopeSpans(0).getScope()).isEqualTo(original.getScopeSpans(0).getScope());
        });
    }

    @Test
    void shouldCutAHugeValueToItsBeginningOnACharacterBoundaryAndMarkIt() {
        // 15 MB of a three-byte character after one ASCII byte: no cut at a byte count can land on a boundary by luck.
        String huge = "a" + "\u20ac".repeat(5_000_000);
        TraceBatch trace = trace(resource("chat"), span(1, attribute("session.id", "s-1"), attribute("input.value", huge),
                attribute("output.value", "short answer")));

        TraceFitter.Fitted fitted = TraceFitter.fit(trace, BUDGET);

        assertFits(trace, fitted, BUDGET);
        Span span = spans(fitted.records()).get(0);
        Map<String, AnyValue> attributes = attributes(span.getAttributesList());
        String cut = attributes.get("input.value").getStringValue();
        assertThat(huge).startsWith(cut);
        assertThat(cut.getBytes(StandardCharsets.UTF_8).length).isGreaterThan(BUDGET - 4096);
        assertThat(attributes.get("session.id").getStringValue()).isEqualTo("s-1");
        assertThat(attributes.get("output.value").getStringValue()).isEqualTo("short answer");
        assertThat(attributes.get("sessionizer.truncated").getBoolValue()).isTrue();
        assertThat(attributes.get("sessionizer.original_size.input.value").getIntValue())
                .isEqualTo(huge.getBytes(StandardCharsets.UTF_8).length);
        assertThat(span.getDroppedAttributesCount()).isZero();
        assertThat(fitted).extracting(TraceFitter.Fitted::truncatedSpans, TraceFitter.Fitted::truncatedValues,
                TraceFitter.Fitted::droppedItems).containsExactly(1, 1, 0);
    }

    @Test
    void shouldCutEventValuesAndMarkThemOnTheEvent() {
        Span span = span(1).toBuilder().addEvents(Span.Event.newBuilder().setName("gen_ai.user.message")
                .addAttributes(attribute("content", "q".repeat(3_000_000)))).build();
        TraceBatch trace = trace(resource("chat"), span);

        TraceFitter.Fitted fitted = TraceFitter.fit(trace, BUDGET);

        assertFits(trace, fitted, BUDGET);
        Span fittedSpan = spans(fitted.records()).get(0);
        Map<String, AnyValue> event = attributes(fittedSpan.getEvents(0).getAttributesList());
        assertThat(event.get("content").getStringValue()).startsWith("qqq");
        assertThat(event.get("sessionizer.original_size.content").getIntValue()).isEqualTo(3_000_000);
        assertThat(attributes(fittedSpan.getAttributesList()).get("sessionizer.truncated").getBoolValue()).isTrue();
    }

    @Test
    void shouldDropAttributesBeyondTheBudgetKeepingTheOnesTheAggregatorReadsAndCountThem() {
        KeyValue[] many = new KeyValue[100_001];
        for (int i = 0; i < 100_000; i++) {
            many[i] = attribute("attribute." + i, "value of attribute number " + i);
        }
        many[100_000] = attribute("session.id", "the-session");
        TraceBatch trace = trace(resource("chat"), span(1, many));
        assertThat(trace.request().getSerializedSize()).isGreaterThan(4 * BUDGET);

        TraceFitter.Fitted fitted = TraceFitter.fit(trace, BUDGET);

        assertFits(trace, fitted, BUDGET);
        Span span = spans(fitted.records()).get(0);
        Map<String, AnyValue> attributes = attributes(span.getAttributesList());
        assertThat(attributes.get("session.id").getStringValue()).isEqualTo("the-session");
        assertThat(attributes.get("sessionizer.truncated").getBoolValue()).isTrue();
        assertThat(attributes).containsKey("attribute.0");
        assertThat(span.getDroppedAttributesCount()).isEqualTo(100_001 - (span.getAttributesCount() - 1))
                .isEqualTo(fitted.droppedItems()).isGreaterThan(50_000);
        assertThat(fitted.records().get(0).request().getSerializedSize()).isGreaterThan(BUDGET - 1024);
    }

    @Test
    void shouldCutAHugeResourceAttributeAndMarkTheResource() {
        TraceBatch trace = trace(resource("chat", attribute("process.command_line", "c".repeat(2_000_000))), span(1),
                span(2));

        TraceFitter.Fitted fitted = TraceFitter.fit(trace, BUDGET);

        assertFits(trace, fitted, BUDGET);
        Map<String, AnyValue> resource = attributes(
                fitted.records().get(0).request().getResourceSpans(0).getResource().getAttributesList());
        assertThat(resource.get("service.name").getStringValue()).isEqualTo("chat");
        assertThat(resource.get("process.command_line").getStringValue()).hasSizeBetween(1000, BUDGET / 4);
        assertThat(resource.get("sessionizer.original_size.process.command_line").getIntValue()).isEqualTo(2_000_000);
        assertThat(resource.get("sessionizer.truncated").getBoolValue()).isTrue();
        assertThat(spans(fitted.records())).containsExactly(span(1), span(2));
    }

    @Test
    void shouldCutBytesAndNamesAndDropEventsThatCannotFit() {
        Span.Builder span = span(1).toBuilder().setName("n".repeat(2_000_000))
                .addAttributes(KeyValue.newBuilder().setKey("blob").setValue(AnyValue.newBuilder()
                        .setBytesValue(ByteString.copyFrom(new byte[2_000_000]))));
        for (int i = 0; i < 50_000; i++) {
            span.addEvents(Span.Event.newBuilder().setName("event " + i).setTimeUnixNano(i));
        }
        TraceBatch trace = trace(resource("chat"), span.build());

        TraceFitter.Fitted fitted = TraceFitter.fit(trace, 64 * 1024);

        assertFits(trace, fitted, 64 * 1024);
        Span cut = spans(fitted.records()).get(0);
        assertThat(cut.getName()).isEqualTo("n".repeat(SpanCutter.MIN_CAP));
        assertThat(cut.getDroppedEventsCount()).isPositive().isEqualTo(50_000 - cut.getEventsCount());
        assertThat(cut.getEvents(0).getName()).isEqualTo("event 0");
        Map<String, AnyValue> attributes = attributes(cut.getAttributesList());
        assertThat(attributes.get("blob").getBytesValue().size()).isEqualTo(SpanCutter.MIN_CAP);
        assertThat(attributes.get("sessionizer.original_size.span.name").getIntValue()).isEqualTo(2_000_000);
    }

    @Test
    void shouldCutOnlyWholeCharacters() {
        ByteString text = ByteString.copyFromUtf8("ab\u00e9\uD83D\uDE00");

        assertThat(SpanCutter.prefix(text, 2).toStringUtf8()).isEqualTo("ab");
        assertThat(SpanCutter.prefix(text, 3).toStringUtf8()).isEqualTo("ab");
        assertThat(SpanCutter.prefix(text, 4).toStringUtf8()).isEqualTo("ab\u00e9");
        assertThat(SpanCutter.prefix(text, 7).toStringUtf8()).isEqualTo("ab\u00e9");
        assertThat(SpanCutter.prefix(text, 8).toStringUtf8()).isEqualTo("ab\u00e9\uD83D\uDE00");
    }

    @Test
    void shouldKeepEveryRecordWithinTheBudgetForRandomTraces() {
        Random random = new Random(42);
        for (int round = 0; round < 40; round++) {
            int budget = TraceFitter.MIN_BUDGET + random.nextInt(200_000);
            ExportTraceServiceRequest.Builder request = ExportTraceServiceRequest.newBuilder();
            for (int r = 0; r < 1 + random.nextInt(3); r++) {
                ResourceSpans.Builder resourceSpans = request.addResourceSpansBuilder()
                        .setResource(resource("chat", attribute("r", text(random, random.nextInt(4) == 0 ? 100_000 : 20))));
                for (int s = 0; s < 1 + random.nextInt(3); s++) {
                    ScopeSpans.Builder scope = resourceSpans.addScopeSpansBuilder()
                            .setScope(InstrumentationScope.newBuilder().setName(text(random, 10)));
                    for (int i = 0; i < 1 + random.nextInt(20); i++) {
                        // Either many short attributes or a few that may be long.
                        boolean many = random.nextInt(10) == 0;
                        KeyValue[] attributes = new KeyValue[random.nextInt(many ? 5000 : 5)];
                        for (int a = 0; a < attributes.length; a++) {
                            attributes[a] = attribute("k" + a, text(random, !many && random.nextInt(3) == 0
                                    ? random.nextInt(150_000) : random.nextInt(50)));
                        }
                        scope.addSpans(span(r * 10_000 + s * 1000 + i, attributes));
                    }
                }
            }
            TraceBatch unsized = new TraceBatch(HexFormat.of().formatHex(TRACE_ID), request.build(), 0);
            TraceBatch trace = new TraceBatch(unsized.traceId(), unsized.request(), spans(List.of(unsized)).size());

            TraceFitter.Fitted fitted = TraceFitter.fit(trace, budget);

            assertFits(trace, fitted, budget);
        }
    }

    /** Text mixing one-, two-, three- and four-byte characters. */
    private static String text(Random random, int chars) {
        StringBuilder text = new StringBuilder(chars * 2);
        String[] alphabet = {"a", "\u00e9", "\u20ac", "\uD83D\uDE00"};
        for (int i = 0; i < chars; i++) {
            text.append(alphabet[random.nextInt(alphabet.length)]);
        }
        return text.toString();
    }
}
