package io.sessionizer.aggregator;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.nio.ByteBuffer;
import java.util.HexFormat;

/** Builds OTLP test data: ids from small numbers, times in microseconds from a fixed epoch. */
public final class Otlp {
    /** 2026-01-01T00:00:00Z in microseconds. */
    public static final long T0_MICROS = 1_767_225_600_000_000L;

    private Otlp() {
    }

    public static ByteString traceId(int n) {
        return ByteString.copyFrom(ByteBuffer.allocate(16).putLong(0x0af7651916cd43ddL).putLong(n).array());
    }

    public static String traceHex(int n) {
        return HexFormat.of().formatHex(traceId(n).toByteArray());
    }

    public static ByteString spanId(long n) {
        return ByteString.copyFrom(ByteBuffer.allocate(8).putLong(n).array());
    }

    /** A span of trace {@code trace}; {@code parent} 0 makes it a root. Times are micros after {@link #T0_MICROS}. */
    public static Span.Builder span(int trace, long id, long parent, long startMicros, long endMicros) {
        Span.Builder span = Span.newBuilder()
                .setTraceId(traceId(trace))
                .setSpanId(spanId(id))
                .setName("span-" + id)
                .setStartTimeUnixNano((T0_MICROS + startMicros) * 1000)
                .setEndTimeUnixNano((T0_MICROS + endMicros) * 1000);
        if (parent != 0) {
            span.setParentSpanId(spanId(parent));
        }
        return span;
    }

    public static Span.Builder attr(Span.Builder span, String key, String value) {
        return span.addAttributes(KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder()
                .setStringValue(value)));
    }

    public static Span.Builder attr(Span.Builder span, String key, long value) {
        return span.addAttributes(KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder()
                .setIntValue(value)));
    }

    public static Span.Builder attr(Span.Builder span, String key, double value) {
        return span.addAttributes(KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder()
                .setDoubleValue(value)));
    }

    public static Span.Builder error(Span.Builder span) {
        return span.setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_ERROR));
    }

    public static Resource resource(String serviceName) {
        return Resource.newBuilder().addAttributes(KeyValue.newBuilder().setKey("service.name")
                .setValue(AnyValue.newBuilder().setStringValue(serviceName))).build();
    }

    /** One export request with all spans under one resource and scope. */
    public static ExportTraceServiceRequest request(Resource resource, Span.Builder... spans) {
        ScopeSpans.Builder scope = ScopeSpans.newBuilder();
        for (Span.Builder span : spans) {
            scope.addSpans(span);
        }
        return ExportTraceServiceRequest.newBuilder()
                .addResourceSpans(ResourceSpans.newBuilder().setResource(resource).addScopeSpans(scope))
                .build();
    }

    public static ExportTraceServiceRequest request(Span.Builder... spans) {
        return request(resource("chat-app"), spans);
    }
}
