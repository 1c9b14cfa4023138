package io.sessionizer.bench.suite;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;
import io.sessionizer.loadgen.Traffic;
import java.time.Duration;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class StoredSessionsTest {
    private static final long SEEDED_AT = 1_800_000_000_000_000_000L;

    private static Map<String, AnyValue> attributes(List<KeyValue> attributes) {
        return attributes.stream().collect(Collectors.toMap(KeyValue::getKey, KeyValue::getValue));
    }

    @Test
    void shouldWriteEachSessionAsOneTraceOfOneSpanKeyedByItsHexTraceIdAsIngestDoes() throws Exception {
        StoredSessions stored = new StoredSessions("stored-x", 1_000, SEEDED_AT);

        ExportTraceServiceRequest record = ExportTraceServiceRequest.parseFrom(stored.record(42).toByteArray());

        assertThat(record.getResourceSpansCount()).isEqualTo(1);
        assertThat(record.getResourceSpans(0).getScopeSpansCount()).isEqualTo(1);
        List<Span> spans = record.getResourceSpans(0).getScopeSpans(0).getSpansList();
        assertThat(spans).hasSize(1);
        Span span = spans.get(0);
        assertThat(HexFormat.of().formatHex(span.getTraceId().toByteArray())).isEqualTo(stored.key(42))
                .matches("[0-9a-f]{32}");
        assertThat(span.getParentSpanId().isEmpty()).isTrue();
        assertThat(span.getEndTimeUnixNano()).isGreaterThan(span.getStartTimeUnixNano());
        Map<String, AnyValue> attributes = attributes(span.getAttributesList());
        assertThat(attributes.get("session.id").getStringValue()).isEqualTo("stored-x-42");
        assertThat(attributes.get("openinference.span.kind").getStringValue()).isEqualTo("LLM");
        assertThat(attributes.get("llm.model_name").getStringValue()).isEqualTo(StoredSessions.model(42));
        assertThat(attributes.get("llm.token_count.prompt").getIntValue()).isPositive();
        assertThat(attributes.get("input.value").getStringValue()).contains(Traffic.topic(42));
        assertThat(attributes.get("output.value").getStringValue()).isNotBlank();
        assertThat(attributes(record.getResourceSpans(0).getResource().getAttributesList())
                .get("openinference.project.name").getStringValue()).isEqualTo(StoredSessions.PROJECT);
    }

    @Test
    void shouldPutOneSessionInAHundredInTheRareProject() {
        StoredSessions stored = new StoredSessions("stored-x", 10_000, SEEDED_AT);

        long rare = LongStream.range(0, stored.count()).filter(s -> attributes(stored.record(s).getResourceSpans(0)
                .getResource().getAttributesList()).get("openinference.project.name").getStringValue()
                .equals(StoredSessions.RARE_PROJECT)).count();

        assertThat(rare).isEqualTo(100);
        assertThat(StoredSessions.project(0)).isEqualTo(StoredSessions.RARE_PROJECT);
        assertThat(StoredSessions.project(1)).isEqualTo(StoredSessions.PROJECT);
    }

    @Test
    void shouldGiveEverySessionItsOwnTraceIdAndNoneSharedWithAnotherRun() {
        StoredSessions one = new StoredSessions("stored-a", 1_000, SEEDED_AT);
        StoredSessions other = new StoredSessions("stored-b", 1_000, SEEDED_AT);

        Set<String> keys = new HashSet<>();
        LongStream.range(0, 1_000).forEach(s -> keys.add(one.key(s)));
        LongStream.range(0, 1_000).forEach(s -> keys.add(other.key(s)));

        assertThat(keys).hasSize(2_000);
        assertThat(one.record(7)).isEqualTo(one.record(7));
    }

    @Test
    void shouldStartTheSessionsOneAfterTheOtherOverTheSpreadBeforeTheSeeding() {
        StoredSessions stored = new StoredSessions("stored-x", 1_001, SEEDED_AT);

        long first = span(stored, 0).getStartTimeUnixNano();
        long last = span(stored, 1_000).getStartTimeUnixNano();

        assertThat(first).isEqualTo(SEEDED_AT - StoredSessions.SPREAD.toNanos());
        assertThat(last).isEqualTo(SEEDED_AT);
        assertThat(span(stored, 500).getStartTimeUnixNano()).isBetween(first, last);
        assertThat(StoredSessions.SPREAD).isLessThan(Duration.ofMinutes(30));
        assertThat(span(new StoredSessions("one", 1, SEEDED_AT), 0).getStartTimeUnixNano()).isPositive();
    }

    private static Span span(StoredSessions stored, long session) {
        return stored.record(session).getResourceSpans(0).getScopeSpans(0).getSpans(0);
    }
}
