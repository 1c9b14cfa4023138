package io.sessionizer.deploy.bench;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.nio.ByteBuffer;
import java.util.HexFormat;
import java.util.Random;

/**
 * Synthetic traffic shaped like an LLM agent's: each turn is a trace of an AGENT root (session id, user input and
 * answer), a CHAIN, LLM calls with model, token counts and messages, and TOOL calls, with texts of realistic sizes.
 * Deterministic for a seed, so that runs compare.
 */
public final class Traffic {
    private static final String[] WORDS = ("the a session kafka stream turn model token answer question user "
            + "agent tool search weather order invoice refund account latency budget deploy cluster partition")
            .split(" ");

    private final Random random;
    private final int spansPerTrace;
    private final int tracesPerSession;
    private final Resource resource;

    public Traffic(long seed, int spansPerTrace, int tracesPerSession) {
        if (spansPerTrace < 1) {
            throw new IllegalArgumentException("A trace needs at least one span");
        }
        this.random = new Random(seed);
        this.spansPerTrace = spansPerTrace;
        this.tracesPerSession = tracesPerSession;
        this.resource = Resource.newBuilder()
                .addAttributes(attr("service.name", "support-agent"))
                .addAttributes(attr("openinference.project.name", "bench"))
                .build();
    }

    public int spansPerTrace() {
        return spansPerTrace;
    }

    public static String traceHex(long trace) {
        return HexFormat.of().formatHex(traceId(trace).toByteArray());
    }

    /** Trace number {@code trace} (from 0), in session {@code trace / tracesPerSession}, starting at {@code startNanos}. */
    public ExportTraceServiceRequest trace(long trace, long startNanos) {
        ByteString traceId = traceId(trace);
        String session = "bench-session-" + (trace / tracesPerSession);
        long root = trace * 1_000L + 1;
        long duration = 200_000_000L + random.nextInt(1_800_000_000);
        ScopeSpans.Builder scope = ScopeSpans.newBuilder()
                .setScope(InstrumentationScope.newBuilder().setName("openinference.instrumentation.langchain"));
        scope.addSpans(span(traceId, root, 0, "agent", startNanos, startNanos + duration)
                .addAttributes(attr("openinference.span.kind", "AGENT"))
                .addAttributes(attr("session.id", session))
                .addAttributes(attr("user.id", "user-" + (trace / tracesPerSession) % 1000))
                .addAttributes(attr("input.value", sentence(12, 40)))
                .addAttributes(attr("input.mime_type", "text/plain"))
                .addAttributes(attr("output.value", sentence(40, 120)))
                .addAttributes(attr("output.mime_type", "text/plain")));
        for (int i = 1; i < spansPerTrace; i++) {
            long start = startNanos + duration * i / (spansPerTrace + 1);
            long end = start + duration / (spansPerTrace + 1);
            Span.Builder span = span(traceId, root + i, i == 1 ? root : root + 1, kind(i), start, end);
            switch (kind(i)) {
                case "chain" -> span.addAttributes(attr("openinference.span.kind", "CHAIN"));
                case "llm" -> span.addAttributes(attr("openinference.span.kind", "LLM"))
                        .addAttributes(attr("llm.model_name", random.nextBoolean() ? "gpt-4o" : "gpt-4o-mini"))
                        .addAttributes(intAttr("llm.token_count.prompt", 200 + random.nextInt(2000)))
                        .addAttributes(intAttr("llm.token_count.completion", 20 + random.nextInt(400)))
                        .addAttributes(attr("llm.input_messages.0.message.role", "user"))
                        .addAttributes(attr("llm.input_messages.0.message.content", sentence(12, 40)))
                        .addAttributes(attr("llm.output_messages.0.message.role", "assistant"))
                        .addAttributes(attr("llm.output_messages.0.message.content", sentence(40, 120)));
                default -> span.addAttributes(attr("openinference.span.kind", "TOOL"))
                        .addAttributes(attr("tool.name", "search"))
                        .addAttributes(attr("input.value", sentence(5, 15)))
                        .addAttributes(attr("output.value", sentence(20, 60)));
            }
            scope.addSpans(span);
        }
        return ExportTraceServiceRequest.newBuilder()
                .addResourceSpans(ResourceSpans.newBuilder().setResource(resource).addScopeSpans(scope))
                .build();
    }

    private static String kind(int i) {
        return i == 1 ? "chain" : i % 2 == 0 ? "llm" : "tool";
    }

    private static Span.Builder span(ByteString traceId, long id, long parent, String name, long start, long end) {
        Span.Builder span = Span.newBuilder()
                .setTraceId(traceId)
                .setSpanId(ByteString.copyFrom(ByteBuffer.allocate(8).putLong(id).array()))
                .setName(name)
                .setKind(Span.SpanKind.SPAN_KIND_INTERNAL)
                .setStartTimeUnixNano(start)
                .setEndTimeUnixNano(end);
        if (parent != 0) {
            span.setParentSpanId(ByteString.copyFrom(ByteBuffer.allocate(8).putLong(parent).array()));
        }
        return span;
    }

    private static ByteString traceId(long trace) {
        return ByteString.copyFrom(ByteBuffer.allocate(16).putLong(0x5e55_1011_0000_0000L).putLong(trace).array());
    }

    private String sentence(int minWords, int maxWords) {
        int words = minWords + random.nextInt(maxWords - minWords + 1);
        StringBuilder text = new StringBuilder(words * 7);
        for (int i = 0; i < words; i++) {
            text.append(i == 0 ? "" : " ").append(WORDS[random.nextInt(WORDS.length)]);
        }
        return text.append('.').toString();
    }

    private static KeyValue attr(String key, String value) {
        return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setStringValue(value)).build();
    }

    private static KeyValue intAttr(String key, long value) {
        return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setIntValue(value)).build();
    }
}
