package io.sessionizer.schemas.otlp;

import static io.sessionizer.testing.OtlpTraces.hex;
import static io.sessionizer.testing.OtlpTraces.randomId;
import static io.sessionizer.testing.OtlpTraces.resource;
import static io.sessionizer.testing.OtlpTraces.scope;
import static io.sessionizer.testing.OtlpTraces.span;
import static io.sessionizer.testing.OtlpTraces.spans;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.sessionizer.schemas.otlp.SplitResult;
import io.sessionizer.schemas.otlp.TraceBatch;
import io.sessionizer.schemas.otlp.TraceSplitter;
import io.sessionizer.testing.OtlpTraces;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class TraceSplitterTest {
    private final ByteString traceA = randomId(16);
    private final ByteString traceB = randomId(16);

    @Test
    void shouldPutEachTraceInItsOwnRequestKeyedByLowercaseHexTraceId() {
        ExportTraceServiceRequest request = OtlpTraces.request(3, 4);

        SplitResult result = TraceSplitter.split(request);

        assertThat(result.batches()).hasSize(3);
        assertThat(result.acceptedSpans()).isEqualTo(12);
        assertThat(result.rejectedSpans()).isZero();
        for (TraceBatch batch : result.batches()) {
            assertThat(batch.traceId()).matches("[0-9a-f]{32}");
            assertThat(new String(batch.key(), StandardCharsets.UTF_8)).isEqualTo(batch.traceId());
            assertThat(batch.spanCount()).isEqualTo(4);
            assertThat(spans(batch.request())).allSatisfy(s -> assertThat(hex(s.getTraceId()))
                    .isEqualTo(batch.traceId()));
        }
    }

    @Test
    void shouldKeepEverySpanExactlyOnceAndInOrder() {
        ExportTraceServiceRequest request = OtlpTraces.request(5, 3);

        SplitResult result = TraceSplitter.split(request);

        List<Span> all = spans(request);
        List<Span> split = result.batches().stream().flatMap(b -> spans(b.request()).stream()).toList();
        assertThat(split).containsExactlyInAnyOrderElementsOf(all);
        for (TraceBatch batch : result.batches()) {
            assertThat(spans(batch.request()))
                    .containsExactlyElementsOf(all.stream().filter(s -> hex(s.getTraceId()).equals(batch.traceId()))
                            .toList());
        }
    }

    @Test
    void shouldKeepResourceScopeAndSchemaUrlsOfEverySpan() {
        ExportTraceServiceRequest request = ExportTraceServiceRequest.newBuilder()
                .addResourceSpans(ResourceSpans.newBuilder().setResource(resource("svc-1")).setSchemaUrl("r1")
                        .addScopeSpans(ScopeSpans.newBuilder().setScope(scope("lib-1")).setSchemaUrl("s1")
                                .addSpans(span(traceA, "a1")).addSpans(span(traceB, "b1")))
                        .addScopeSpans(ScopeSpans.newBuilder().setScope(scope("lib-2")).setSchemaUrl("s2")
                                .addSpans(span(traceA, "a2"))))
                .addResourceSpans(ResourceSpans.newBuilder().setResource(resource("svc-2")).setSchemaUrl("r2")
                        .addScopeSpans(ScopeSpans.newBuilder().setScope(scope("lib-3")).setSchemaUrl("s3")
                                .addSpans(span(traceA, "a3")).addSpans(span(traceB, "b2"))))
                .build();

        SplitResult result = TraceSplitter.split(request);

        assertThat(result.batches()).extracting(TraceBatch::traceId).containsExactly(hex(traceA), hex(traceB));
        ExportTraceServiceRequest a = result.batches().get(0).request();
        assertThat(a).isEqualTo(ExportTraceServiceRequest.newBuilder()
                .addResourceSpans(ResourceSpans.newBuilder().setResource(resource("svc-1")).setSchemaUrl("r1")
                        .addScopeSpans(ScopeSpans.newBuilder().setScope(scope("lib-1")).setSchemaUrl("s1")
                                .addSpans(request.getResourceSpans(0).getScopeSpans(0).getSpans(0)))
                        .addScopeSpans(ScopeSpans.newBuilder().setScope(scope("lib-2")).setSchemaUrl("s2")
                                .addSpans(request.getResourceSpans(0).getScopeSpans(1).getSpans(0))))
                .addResourceSpans(ResourceSpans.newBuilder().setResource(resource("svc-2")).setSchemaUrl("r2")
                        .addScopeSpans(ScopeSpans.newBuilder().setScope(scope("lib-3")).setSchemaUrl("s3")
                                .addSpans(request.getResourceSpans(1).getScopeSpans(0).getSpans(0))))
                .build());
        ExportTraceServiceRequest b = result.batches().get(1).request();
        assertThat(b.getResourceSpansList()).extracting(rs -> rs.getResource(), ResourceSpans::getSchemaUrl)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(resource("svc-1"), "r1"),
                        org.assertj.core.groups.Tuple.tuple(resource("svc-2"), "r2"));
        assertThat(b.getResourceSpans(0).getScopeSpansList()).extracting(ScopeSpans::getSchemaUrl)
                .containsExactly("s1");
    }

    @Test
    void shouldRejectSpansWithInvalidIdsAndKeepTheRest() {
        Span good = span(traceA, "good");
        ExportTraceServiceRequest request = ExportTraceServiceRequest.newBuilder()
                .addResourceSpans(ResourceSpans.newBuilder().addScopeSpans(ScopeSpans.newBuilder()
                        .addSpans(span(randomId(8), "short trace id"))
                        .addSpans(good)
                        .addSpans(span(ByteString.copyFrom(new byte[16]), "zero trace id"))
                        .addSpans(span(traceA, "short span id").toBuilder().setSpanId(randomId(4)))
                        .addSpans(span(traceA, "zero span id").toBuilder().setSpanId(ByteString.copyFrom(new byte[8])))
                        .addSpans(span(traceA, "bad parent").toBuilder().setParentSpanId(randomId(3)))))
                .build();

        SplitResult result = TraceSplitter.split(request);

        assertThat(result.acceptedSpans()).isEqualTo(1);
        assertThat(result.rejectedSpans()).isEqualTo(5);
        assertThat(result.rejectionMessage()).isEqualTo("trace_id must be 16 bytes, got 8");
        assertThat(result.batches()).singleElement().satisfies(b -> assertThat(spans(b.request()))
                .containsExactly(good));
    }

    @Test
    void shouldNameEachKindOfInvalidId() {
        assertThat(TraceSplitter.problem(span(ByteString.copyFrom(new byte[16]), "x")))
                .isEqualTo("trace_id must not be all zeros");
        assertThat(TraceSplitter.problem(span(traceA, "x").toBuilder().setSpanId(ByteString.EMPTY).build()))
                .isEqualTo("span_id must be 8 bytes, got 0");
        assertThat(TraceSplitter.problem(span(traceA, "x").toBuilder().setSpanId(ByteString.copyFrom(new byte[8]))
                .build())).isEqualTo("span_id must not be all zeros");
        assertThat(TraceSplitter.problem(span(traceA, "x").toBuilder().setParentSpanId(randomId(9)).build()))
                .isEqualTo("parent_span_id must be empty or 8 bytes, got 9");
        assertThat(TraceSplitter.problem(span(traceA, "x").toBuilder().setParentSpanId(randomId(8)).build()))
                .isNull();
    }

    @Test
    void shouldSplitAnEmptyRequestIntoNothing() {
        SplitResult result = TraceSplitter.split(ExportTraceServiceRequest.getDefaultInstance());

        assertThat(result.batches()).isEmpty();
        assertThat(result.acceptedSpans()).isZero();
        assertThat(result.rejectionMessage()).isNull();
    }

    @Test
    void shouldDropResourcesAndScopesWithoutValidSpans() {
        ExportTraceServiceRequest request = ExportTraceServiceRequest.newBuilder()
                .addResourceSpans(ResourceSpans.newBuilder().setResource(resource("empty")))
                .addResourceSpans(ResourceSpans.newBuilder().setResource(resource("svc"))
                        .addScopeSpans(ScopeSpans.newBuilder().setScope(scope("empty")))
                        .addScopeSpans(ScopeSpans.newBuilder().setScope(scope("lib")).addSpans(span(traceA, "a"))))
                .build();

        SplitResult result = TraceSplitter.split(request);

        ExportTraceServiceRequest only = result.batches().get(0).request();
        assertThat(only.getResourceSpansCount()).isEqualTo(1);
        assertThat(only.getResourceSpans(0).getResource()).isEqualTo(resource("svc"));
        assertThat(only.getResourceSpans(0).getScopeSpansList()).extracting(ScopeSpans::getScope)
                .containsExactly(scope("lib"));
    }
}
