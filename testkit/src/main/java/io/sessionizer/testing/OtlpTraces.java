package io.sessionizer.testing;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.zip.GZIPOutputStream;

/**
 * The one OTLP builder of all tests: ids from small numbers or random, spans as protobuf builders that the static
 * {@code attr} and {@code error} methods decorate, resources, scopes and export requests.
 */
public final class OtlpTraces {
    /** 2026-01-01T00:00:00Z in microseconds: the epoch of {@link #span(long, long, long, long, long)}. */
    public static final long T0_MICROS = 1_767_225_600_000_000L;

    /** OTLP/JSON after the specification's example (opentelemetry-proto examples/trace.json): hex ids, int enums. */
    public static final String SPEC_EXAMPLE_JSON = """
            {
              "resourceSpans": [{
                "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "chat.service"}}]},
                "schemaUrl": "https://opentelemetry.io/schemas/1.24.0",
                "scopeSpans": [{
                  "scope": {
                    "name": "chat.library", "version": "1.0.0",
                    "attributes": [{"key": "my.scope.attribute", "value": {"stringValue": "some scope attribute"}}]
                  },
                  "spans": [{
                    "traceId": "5B8EFFF798038103D269B633813FC60C",
                    "spanId": "EEE19B7EC3C1B174",
                    "parentSpanId": "EEE19B7EC3C1B173",
                    "name": "I'm a server span",
                    "startTimeUnixNano": 1544712660000000000,
                    "endTimeUnixNano": "1544712661000000000",
                    "kind": 2,
                    "status": {"code": 2, "message": "boom"},
                    "attributes": [
                      {"key": "session.id", "value": {"stringValue": "s-1"}},
                      {"key": "llm.token_count.total", "value": {"intValue": "42"}}
                    ],
                    "links": [{"traceId": "0af7651916cd43dd8448eb211c80319c", "spanId": "b7ad6b7169203331"}]
                  }]
                }]
              }]
            }
            """;
    public static final String SPEC_EXAMPLE_TRACE_ID = "5b8efff798038103d269b633813fc60c";

    private OtlpTraces() {
    }

    /** Trace {@code n}: a fixed high half and {@code n} as the low half, so that a test can name its traces. */
    public static ByteString traceId(long n) {
        return ByteString.copyFrom(ByteBuffer.allocate(16).putLong(0x0af7651916cd43ddL).putLong(n).array());
    }

    public static String traceHex(long n) {
        return hex(traceId(n));
    }

    public static ByteString spanId(long n) {
        return ByteString.copyFrom(ByteBuffer.allocate(8).putLong(n).array());
    }

    public static ByteString randomId(int bytes) {
        byte[] id = new byte[bytes];
        do {
            ThreadLocalRandom.current().nextBytes(id);
        } while (allZero(id));
        return ByteString.copyFrom(id);
    }

    private static boolean allZero(byte[] id) {
        for (byte b : id) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    public static String hex(ByteString id) {
        return HexFormat.of().formatHex(id.toByteArray());
    }

    /** A span with a random id, named {@code name}, in session {@code session-<name>}. */
    public static Span span(ByteString traceId, String name) {
        return Span.newBuilder()
                .setTraceId(traceId)
                .setSpanId(randomId(8))
                .setName(name)
                .setKind(Span.SpanKind.SPAN_KIND_INTERNAL)
                .setStartTimeUnixNano(1_700_000_000_000_000_000L)
                .setEndTimeUnixNano(1_700_000_001_000_000_000L)
                .addAttributes(attribute("session.id", "session-" + name))
                .build();
    }

    /** A span of {@code traceId} named after its id, times in nanoseconds; {@code parent} 0 makes it a root. */
    public static Span.Builder span(ByteString traceId, long id, long parent, long startNanos, long endNanos) {
        Span.Builder span = Span.newBuilder()
                .setTraceId(traceId)
                .setSpanId(spanId(id))
                .setName("span-" + id)
                .setStartTimeUnixNano(startNanos)
                .setEndTimeUnixNano(endNanos);
        if (parent != 0) {
            span.setParentSpanId(spanId(parent));
        }
        return span;
    }

    /** A span of {@link #traceId(long) trace n}, its times in microseconds after {@link #T0_MICROS}. */
    public static Span.Builder span(long trace, long id, long parent, long startMicros, long endMicros) {
        return span(traceId(trace), id, parent, (T0_MICROS + startMicros) * 1000, (T0_MICROS + endMicros) * 1000);
    }

    public static Span.Builder attr(Span.Builder span, String key, String value) {
        return span.addAttributes(attribute(key, value));
    }

    public static Span.Builder attr(Span.Builder span, String key, long value) {
        return span.addAttributes(attribute(key, value));
    }

    public static Span.Builder attr(Span.Builder span, String key, double value) {
        return span.addAttributes(attribute(key, value));
    }

    public static Span.Builder attr(Span.Builder span, String key, boolean value) {
        return span.addAttributes(attribute(key, value));
    }

    public static Span.Builder error(Span.Builder span) {
        return span.setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_ERROR));
    }

    public static KeyValue attribute(String key, String value) {
        return attribute(key, AnyValue.newBuilder().setStringValue(value));
    }

    public static KeyValue attribute(String key, long value) {
        return attribute(key, AnyValue.newBuilder().setIntValue(value));
    }

    public static KeyValue attribute(String key, double value) {
        return attribute(key, AnyValue.newBuilder().setDoubleValue(value));
    }

    public static KeyValue attribute(String key, boolean value) {
        return attribute(key, AnyValue.newBuilder().setBoolValue(value));
    }

    private static KeyValue attribute(String key, AnyValue.Builder value) {
        return KeyValue.newBuilder().setKey(key).setValue(value).build();
    }

    /** A resource with {@code service.name} first, then {@code more}. */
    public static Resource resource(String serviceName, KeyValue... more) {
        return Resource.newBuilder().addAttributes(attribute("service.name", serviceName))
                .addAllAttributes(List.of(more)).build();
    }

    public static InstrumentationScope scope(String name) {
        return InstrumentationScope.newBuilder().setName(name).setVersion("1.0").build();
    }

    /** One resource and scope holding {@code spansPerTrace} spans of each of {@code traces} traces, interleaved. */
    public static ExportTraceServiceRequest request(int traces, int spansPerTrace) {
        List<ByteString> traceIds = new ArrayList<>();
        for (int t = 0; t < traces; t++) {
            traceIds.add(randomId(16));
        }
        ScopeSpans.Builder scope = ScopeSpans.newBuilder().setScope(scope("test.scope"))
                .setSchemaUrl("https://opentelemetry.io/schemas/1.24.0");
        for (int s = 0; s < spansPerTrace; s++) {
            for (int t = 0; t < traces; t++) {
                scope.addSpans(span(traceIds.get(t), "span-" + t + "-" + s));
            }
        }
        return ExportTraceServiceRequest.newBuilder()
                .addResourceSpans(ResourceSpans.newBuilder().setResource(resource("test.service"))
                        .setSchemaUrl("https://opentelemetry.io/schemas/1.21.0").addScopeSpans(scope))
                .build();
    }

    /** One export request with all spans under one resource and one scope without a name. */
    public static ExportTraceServiceRequest request(Resource resource, Span.Builder... spans) {
        ScopeSpans.Builder scope = ScopeSpans.newBuilder();
        for (Span.Builder span : spans) {
            scope.addSpans(span);
        }
        return ExportTraceServiceRequest.newBuilder()
                .addResourceSpans(ResourceSpans.newBuilder().setResource(resource).addScopeSpans(scope))
                .build();
    }

    /** {@link #request(Resource, Span.Builder...)} under the resource of service {@code chat-app}. */
    public static ExportTraceServiceRequest request(Span.Builder... spans) {
        return request(resource("chat-app"), spans);
    }

    public static byte[] gzip(byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
            gzip.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** All spans of a request, in order. */
    public static List<Span> spans(ExportTraceServiceRequest request) {
        List<Span> spans = new ArrayList<>();
        for (ResourceSpans rs : request.getResourceSpansList()) {
            for (ScopeSpans ss : rs.getScopeSpansList()) {
                spans.addAll(ss.getSpansList());
            }
        }
        return spans;
    }
}
