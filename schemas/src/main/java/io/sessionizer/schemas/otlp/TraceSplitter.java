package io.sessionizer.schemas.otlp;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Splits an export request into one request per trace, the record format of DESIGN.md's {@code otlp_spans} (and of
 * the Collector's kafkaexporter with {@code partition_traces_by_id}). Every span stays under a copy of its own
 * resource and scope, schema URLs included, so a consumer sees exactly what the client sent.
 *
 * <p>A span whose ids are invalid (OTLP: a 16-byte non-zero trace id, an 8-byte non-zero span id) cannot be keyed
 * or joined to its trace; it is left out and counted, so that the client gets a {@code partial_success}.
 */
public final class TraceSplitter {
    static final int TRACE_ID_BYTES = 16;
    static final int SPAN_ID_BYTES = 8;
    private static final HexFormat HEX = HexFormat.of();

    private TraceSplitter() {
    }

    public static SplitResult split(ExportTraceServiceRequest request) {
        Map<ByteString, TraceBuilder> traces = new LinkedHashMap<>();
        int accepted = 0;
        int rejected = 0;
        String firstProblem = null;
        for (int r = 0; r < request.getResourceSpansCount(); r++) {
            ResourceSpans resourceSpans = request.getResourceSpans(r);
            ResourceSpans resourceShell = null;
            for (int s = 0; s < resourceSpans.getScopeSpansCount(); s++) {
                ScopeSpans scopeSpans = resourceSpans.getScopeSpans(s);
                ScopeSpans scopeShell = null;
                for (Span span : scopeSpans.getSpansList()) {
                    String problem = problem(span);
                    if (problem != null) {
                        rejected++;
                        if (firstProblem == null) {
                            firstProblem = problem;
                        }
                        continue;
                    }
                    // The shells copy everything but the children once per resource and scope, not once per span.
                    if (resourceShell == null) {
                        resourceShell = resourceSpans.toBuilder().clearScopeSpans().build();
                    }
                    if (scopeShell == null) {
                        scopeShell = scopeSpans.toBuilder().clearSpans().build();
                    }
                    traces.computeIfAbsent(span.getTraceId(), id -> new TraceBuilder())
                            .add(r, resourceShell, s, scopeShell, span);
                    accepted++;
                }
            }
        }
        List<TraceBatch> batches = new ArrayList<>(traces.size());
        for (Map.Entry<ByteString, TraceBuilder> e : traces.entrySet()) {
            TraceBuilder trace = e.getValue();
            batches.add(new TraceBatch(HEX.formatHex(e.getKey().toByteArray()), trace.request.build(), trace.spans));
        }
        return new SplitResult(List.copyOf(batches), accepted, rejected, firstProblem);
    }

    /** Why the span cannot be stored, or null when its ids are valid. */
    public static String problem(Span span) {
        ByteString traceId = span.getTraceId();
        if (traceId.size() != TRACE_ID_BYTES) {
            return "trace_id must be " + TRACE_ID_BYTES + " bytes, got " + traceId.size();
        }
        if (allZero(traceId)) {
            return "trace_id must not be all zeros";
        }
        ByteString spanId = span.getSpanId();
        if (spanId.size() != SPAN_ID_BYTES) {
            return "span_id must be " + SPAN_ID_BYTES + " bytes, got " + spanId.size();
        }
        if (allZero(spanId)) {
            return "span_id must not be all zeros";
        }
        int parentSize = span.getParentSpanId().size();
        if (parentSize != 0 && parentSize != SPAN_ID_BYTES) {
            return "parent_span_id must be empty or " + SPAN_ID_BYTES + " bytes, got " + parentSize;
        }
        return null;
    }

    private static boolean allZero(ByteString bytes) {
        for (int i = 0; i < bytes.size(); i++) {
            if (bytes.byteAt(i) != 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * The request of one trace. Spans arrive in (resource, scope) order, so a span either continues the last scope
     * of this trace or opens a new scope, possibly under a new resource.
     */
    private static final class TraceBuilder {
        final ExportTraceServiceRequest.Builder request = ExportTraceServiceRequest.newBuilder();
        int spans;
        private int resourceIndex = -1;
        private int scopeIndex = -1;
        private ResourceSpans.Builder resource;
        private ScopeSpans.Builder scope;

        void add(int r, ResourceSpans resourceShell, int s, ScopeSpans scopeShell, Span span) {
            if (r != resourceIndex) {
                resource = request.addResourceSpansBuilder().mergeFrom(resourceShell);
                resourceIndex = r;
                scopeIndex = -1;
            }
            if (s != scopeIndex) {
                scope = resource.addScopeSpansBuilder().mergeFrom(scopeShell);
                scopeIndex = s;
            }
            scope.addSpans(span);
            spans++;
        }
    }
}
