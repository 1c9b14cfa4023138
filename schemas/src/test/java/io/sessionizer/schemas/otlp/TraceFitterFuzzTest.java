package io.sessionizer.schemas.otlp;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;

/**
 * Requests of any shape and size, split per trace and fitted to any budget: every record within the budget, every
 * span kept once and in order under its trace's key. Sizes come from repeating fuzzed text, so that a few input
 * bytes make megabytes. Committed inputs under {@code TraceFitterFuzzTestInputs} run in every build.
 */
class TraceFitterFuzzTest {
    /** Enough for several records at the largest budget, little enough for a quick run. */
    private static final int MAX_REQUEST_CHARS = 4 << 20;

    @FuzzTest(maxDuration = "2m")
    void fit(FuzzedDataProvider data) {
        int budget = data.consumeInt(TraceFitter.MIN_BUDGET, 1 << 20);
        ExportTraceServiceRequest request = new Builder(data).request();

        SplitResult split = TraceSplitter.split(request);

        int spans = 0;
        for (TraceBatch trace : split.batches()) {
            TraceFitter.Fitted fitted = TraceFitter.fit(trace, budget);
            TraceFitterTest.assertFits(trace, fitted, budget);
            spans += fitted.records().stream().mapToInt(TraceBatch::spanCount).sum();
        }
        assertThat(spans).isEqualTo(split.acceptedSpans());
    }

    /** A request built by fuzzed operations: new resource, scope or span, attributes, events, big values. */
    private static final class Builder {
        private final FuzzedDataProvider data;
        private long charsLeft = MAX_REQUEST_CHARS;

        Builder(FuzzedDataProvider data) {
            this.data = data;
        }

        ExportTraceServiceRequest request() {
            ExportTraceServiceRequest.Builder request = ExportTraceServiceRequest.newBuilder();
            ResourceSpans.Builder resource = request.addResourceSpansBuilder();
            ScopeSpans.Builder scope = resource.addScopeSpansBuilder();
            int spanId = 1;
            Span.Builder span = scope.addSpansBuilder().setTraceId(traceId(1))
                    .setSpanId(ByteString.copyFrom(new byte[] {1, 0, 0, 0, 0, 0, 0, 1}));
            for (int op = 0; op < 64 && data.remainingBytes() > 0 && charsLeft > 0; op++) {
                switch (data.consumeInt(0, 7)) {
                    case 0 -> resource = request.addResourceSpansBuilder();
                    case 1 -> scope = resource.addScopeSpansBuilder().setScope(scope.getScope().toBuilder()
                            .setName(text()));
                    case 2 -> {
                        spanId++;
                        span = scope.addSpansBuilder().setTraceId(traceId(data.consumeInt(1, 3)))
                                .setSpanId(ByteString.copyFrom(new byte[] {1, 0, 0, 0, 0, 0, (byte) (spanId >> 8),
                                        (byte) spanId})).setName(text());
                    }
                    case 3 -> resource.getResourceBuilder().addAttributes(attribute());
                    case 4 -> span.addEventsBuilder().setName(text()).addAttributes(attribute());
                    case 5 -> {
                        // Many small attributes: each copy of a short one costs its size.
                        KeyValue attribute = KeyValue.newBuilder().setKey(data.consumeAsciiString(40))
                                .setValue(AnyValue.newBuilder().setStringValue(data.consumeString(40))).build();
                        int count = (int) Math.min(data.consumeInt(0, 100_000),
                                charsLeft / (attribute.getSerializedSize() + 2));
                        charsLeft -= (long) count * (attribute.getSerializedSize() + 2);
                        for (int i = 0; i < count; i++) {
                            span.addAttributes(attribute);
                        }
                    }
                    default -> span.addAttributes(attribute());
                }
            }
            return request.build();
        }

        private KeyValue attribute() {
            String key = data.consumeAsciiString(40);
            AnyValue.Builder value = AnyValue.newBuilder();
            if (data.consumeBoolean()) {
                int zeros = (int) Math.min(data.consumeInt(0, MAX_REQUEST_CHARS), charsLeft);
                charsLeft -= zeros;
                value.setBytesValue(ByteString.copyFrom(data.consumeBytes(16)).concat(ByteString.copyFrom(
                        new byte[zeros])));
            } else {
                value.setStringValue(text());
            }
            return KeyValue.newBuilder().setKey(key).setValue(value).build();
        }

        /** Fuzzed text (valid UTF-16, as the ingest's decoders make it) repeated up to what the allowance leaves. */
        private String text() {
            String unit = data.consumeString(16).replaceAll("[\\x{D800}-\\x{DFFF}]", "?");
            int repeat = unit.isEmpty() ? 1 : (int) Math.max(1, Math.min(data.consumeInt(1, MAX_REQUEST_CHARS),
                    charsLeft / unit.length()));
            charsLeft -= (long) repeat * unit.length();
            return unit.repeat(repeat);
        }
    }

    private static ByteString traceId(int which) {
        byte[] id = new byte[16];
        id[0] = (byte) which;
        return ByteString.copyFrom(id);
    }
}
