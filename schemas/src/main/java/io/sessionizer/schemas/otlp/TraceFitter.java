package io.sessionizer.schemas.otlp;

import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.ArrayList;
import java.util.List;

/**
 * Makes every record of one trace fit a byte budget, so that no accepted trace is refused by the broker's
 * {@code max.message.bytes} or by a consumer that forwards it. A trace that fits is returned as it is, byte for byte.
 * A larger one is written as several records with the same key, each a valid one-trace export request that keeps
 * the resource and scope of its spans; consumers already take a trace in several records, since a trace's spans
 * arrive over many requests anyway. A span, resource or scope that alone is too large is cut by {@link SpanCutter}
 * (beginnings of long texts kept, marked {@value SpanCutter#TRUNCATED} with the original sizes) and, only if that is
 * not enough, loses whole attributes, events or links, counted in OTLP's {@code dropped_*_count} fields.
 */
public final class TraceFitter {
    /** The smallest budget that leaves room for a span's ids, times and cut texts next to cut shells. */
    public static final int MIN_BUDGET = 16 * 1024;
    /** Attribute: true on a span (resource, scope) some of whose values were cut. */
    public static final String TRUNCATED_ATTRIBUTE = SpanCutter.TRUNCATED;
    /** Attribute prefix: {@code <prefix><key>} is the size in bytes the value of {@code <key>} had before its cut. */
    public static final String ORIGINAL_SIZE_ATTRIBUTE_PREFIX = SpanCutter.ORIGINAL_SIZE_PREFIX;
    /** Headroom for the three length-delimited wrappers around one span (tag plus five-byte length each). */
    private static final int WRAPPERS_BYTES = 3 * 6;

    private TraceFitter() {
    }

    /**
     * What became of one trace.
     *
     * @param records one or more records of the trace, each at most the budget
     * @param truncatedSpans spans with a text cut or an attribute, event or link dropped
     * @param truncatedValues texts cut (attribute values, names, messages; resources and scopes included)
     * @param droppedItems attributes, events and links dropped
     */
    public record Fitted(List<TraceBatch> records, int truncatedSpans, int truncatedValues, int droppedItems) {
    }

    public static Fitted fit(TraceBatch trace, int maxRecordBytes) {
        if (maxRecordBytes < MIN_BUDGET) {
            throw new IllegalArgumentException("A record budget must be at least " + MIN_BUDGET + " bytes");
        }
        ExportTraceServiceRequest request = trace.request();
        if (request.getSerializedSize() <= maxRecordBytes) {
            return new Fitted(List.of(trace), 0, 0, 0);
        }
        // A resource and a scope take at most a quarter of a record each, so a span always has half of it.
        int shellBudget = maxRecordBytes / 4;
        Packer packer = new Packer(trace.traceId(), maxRecordBytes);
        SpanCutter.Cuts shellCuts = new SpanCutter.Cuts();
        int truncatedSpans = 0;
        int truncatedValues = 0;
        int droppedItems = 0;
        for (int r = 0; r < request.getResourceSpansCount(); r++) {
            ResourceSpans resourceSpans = request.getResourceSpans(r);
            ResourceSpans resourceShell = SpanCutter.fit(resourceSpans.toBuilder().clearScopeSpans().build(),
                    shellBudget, shellCuts);
            for (int s = 0; s < resourceSpans.getScopeSpansCount(); s++) {
                ScopeSpans scopeSpans = resourceSpans.getScopeSpans(s);
                ScopeSpans scopeShell = SpanCutter.fit(scopeSpans.toBuilder().clearSpans().build(), shellBudget,
                        shellCuts);
                int spanBudget = maxRecordBytes - resourceShell.getSerializedSize() - scopeShell.getSerializedSize()
                        - WRAPPERS_BYTES;
                for (Span span : scopeSpans.getSpansList()) {
                    SpanCutter.Cuts cuts = new SpanCutter.Cuts();
                    Span fitted = SpanCutter.fit(span, spanBudget, cuts);
                    if (cuts.any()) {
                        truncatedSpans++;
                        truncatedValues += cuts.values;
                        droppedItems += cuts.dropped;
                    }
                    packer.add(r, resourceShell, s, scopeShell, fitted);
                }
            }
        }
        return new Fitted(packer.finish(), truncatedSpans, truncatedValues + shellCuts.values,
                droppedItems + shellCuts.dropped);
    }

    /**
     * Fills records in span order. The encoded size of the record being filled is tracked exactly from the sizes of
     * its parts (a length-delimited field is tag, length and body), so that no record is serialized twice.
     */
    private static final class Packer {
        private final String traceId;
        private final int maxBytes;
        private final List<TraceBatch> records = new ArrayList<>();
        private ExportTraceServiceRequest.Builder request;
        private ResourceSpans.Builder resource;
        private ScopeSpans.Builder scope;
        private int resourceIndex;
        private int scopeIndex;
        private int spans;
        /** Bytes of the resources of this record before the current one. */
        private long closedBytes;
        /** Body bytes of the current resource without its current scope. */
        private long resourceBody;
        /** Body bytes of the current scope. */
        private long scopeBody;

        Packer(String traceId, int maxBytes) {
            this.traceId = traceId;
            this.maxBytes = maxBytes;
            reset();
        }

        void add(int r, ResourceSpans resourceShell, int s, ScopeSpans scopeShell, Span span) {
            int spanField = SpanCutter.fieldSize(ScopeSpans.SPANS_FIELD_NUMBER, span.getSerializedSize());
            if (spans > 0 && sizeWith(r, resourceShell, s, scopeShell, spanField) > maxBytes) {
                flush();
            }
            if (r != resourceIndex) {
                closedBytes = total();
                resource = request.addResourceSpansBuilder().mergeFrom(resourceShell);
                resourceIndex = r;
                resourceBody = resourceShell.getSerializedSize();
                scopeIndex = -1;
                scopeBody = -1;
            }
            if (s != scopeIndex) {
                if (scopeBody >= 0) {
                    resourceBody += SpanCutter.fieldSize(ResourceSpans.SCOPE_SPANS_FIELD_NUMBER, (int) scopeBody);
                }
                scope = resource.addScopeSpansBuilder().mergeFrom(scopeShell);
                scopeIndex = s;
                scopeBody = scopeShell.getSerializedSize();
            }
            scope.addSpans(span);
            scopeBody += spanField;
            spans++;
        }

        /** The record's size if the span were added to it. */
        private long sizeWith(int r, ResourceSpans resourceShell, int s, ScopeSpans scopeShell, int spanField) {
            if (r != resourceIndex) {
                return total() + wrap(resourceShell.getSerializedSize(), scopeShell.getSerializedSize() + spanField);
            }
            if (s != scopeIndex) {
                return closedBytes + wrap(resourceBody + field(ResourceSpans.SCOPE_SPANS_FIELD_NUMBER, scopeBody),
                        scopeShell.getSerializedSize() + spanField);
            }
            return closedBytes + wrap(resourceBody, scopeBody + spanField);
        }

        /** A resource entry of the request: the resource body around one scope of this body. */
        private static long wrap(long resourceBody, long scopeBody) {
            return field(ExportTraceServiceRequest.RESOURCE_SPANS_FIELD_NUMBER,
                    resourceBody + field(ResourceSpans.SCOPE_SPANS_FIELD_NUMBER, scopeBody));
        }

        private long total() {
            if (resourceIndex < 0) {
                return closedBytes;
            }
            return closedBytes + (scopeBody < 0 ? field(ExportTraceServiceRequest.RESOURCE_SPANS_FIELD_NUMBER,
                    resourceBody) : wrap(resourceBody, scopeBody));
        }

        private static long field(int fieldNumber, long body) {
            return SpanCutter.fieldSize(fieldNumber, (int) body);
        }

        private void flush() {
            records.add(new TraceBatch(traceId, request.build(), spans));
            reset();
        }

        private void reset() {
            request = ExportTraceServiceRequest.newBuilder();
            resourceIndex = -1;
            scopeIndex = -1;
            spans = 0;
            closedBytes = 0;
            resourceBody = 0;
            scopeBody = -1;
        }

        List<TraceBatch> finish() {
            if (spans > 0) {
                flush();
            }
            return List.copyOf(records);
        }
    }
}
