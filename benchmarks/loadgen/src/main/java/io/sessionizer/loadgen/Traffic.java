package io.sessionizer.loadgen;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.common.v1.KeyValueList;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
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
 * Sessions run side by side: trace {@code t} is a turn of one of {@link Shape#sessions()} sessions in flight, and a
 * session that had all its turns is followed by a new one. Each session's user inputs mention one topic word, rare
 * enough to make a search selective. Deterministic for a seed, so that runs compare; the seed also sets the trace
 * ids, so that runs with different seeds never share a trace.
 */
public final class Traffic {
    private static final String[] WORDS = ("the a session kafka stream turn model token answer question user "
            + "agent tool search weather order invoice refund account latency budget deploy cluster partition")
            .split(" ");
    /** One per session, in turn: a search for one of them matches 1 in 40 sessions. */
    private static final String[] TOPICS = ("mortgage passport warranty firmware vaccine itinerary payroll "
            + "subscription chargeback onboarding thermostat pension insurance visa allergy router backup migration "
            + "license compliance dividend mileage lease tariff grant recipe calendar printer vpn kubernetes "
            + "carburetor sunscreen telescope violin glacier origami saffron lighthouse trombone volcano").split(" ");
    /** Log records of one trace in {@link #logs}: a user message and a choice. */
    public static final int LOG_RECORDS_PER_TRACE = 2;
    /** High half of every trace id, mixed with the seed: recognisable in a trace viewer. */
    private static final long TRACE_ID_MARK = 0x5e55_1011_0000_0000L;

    /** Sessions in flight at once, turns (traces) of each session, spans of each turn. */
    public record Shape(int sessions, int turnsPerSession, int spansPerTurn) {
        public Shape {
            if (sessions < 1 || turnsPerSession < 1 || spansPerTurn < 1) {
                throw new IllegalArgumentException("A traffic shape needs at least one session, turn and span: "
                        + sessions + " sessions, " + turnsPerSession + " turns, " + spansPerTurn + " spans");
            }
        }
    }

    private final Random random;
    private final Shape shape;
    private final String sessionPrefix;
    private final long traceIdHigh;
    private final Resource resource;

    /** @param sessionPrefix session ids are {@code <prefix>-<n>} */
    public Traffic(long seed, Shape shape, String sessionPrefix) {
        this.random = new Random(seed);
        this.shape = shape;
        this.sessionPrefix = sessionPrefix;
        this.traceIdHigh = TRACE_ID_MARK | (new Random(~seed).nextInt() & 0xffff_ffffL);
        this.resource = Resource.newBuilder()
                .addAttributes(attr("service.name", "support-agent"))
                .addAttributes(attr("openinference.project.name", "bench"))
                .build();
    }

    public Shape shape() {
        return shape;
    }

    /** The session that trace {@code trace} (from 0) is a turn of, numbered from 0. */
    public long session(long trace) {
        long perGeneration = (long) shape.sessions() * shape.turnsPerSession();
        return trace / perGeneration * shape.sessions() + trace % perGeneration % shape.sessions();
    }

    /** The turn of its session, from 0, that trace {@code trace} is. */
    public long turn(long trace) {
        return trace % ((long) shape.sessions() * shape.turnsPerSession()) / shape.sessions();
    }

    public String sessionId(long session) {
        return sessionPrefix + "-" + session;
    }

    /** The word every user input of a session mentions; the same for 1 in 40 sessions. */
    public static String topic(long session) {
        return TOPICS[(int) (session % TOPICS.length)];
    }

    public String traceHex(long trace) {
        return HexFormat.of().formatHex(traceId(trace).toByteArray());
    }

    /** Trace number {@code trace} (from 0) alone, as the one-trace record ingest writes, starting at {@code startNanos}. */
    public ExportTraceServiceRequest trace(long trace, long startNanos) {
        return request(trace, 1, startNanos);
    }

    /**
     * The traces {@code firstTrace} to {@code firstTrace + traces - 1} in one export, as an SDK's batch exporter sends
     * them: one resource, one instrumentation scope, all their spans, each trace starting at {@code startNanos}.
     */
    public ExportTraceServiceRequest request(long firstTrace, int traces, long startNanos) {
        ScopeSpans.Builder scope = ScopeSpans.newBuilder()
                .setScope(InstrumentationScope.newBuilder().setName("openinference.instrumentation.langchain"));
        for (long t = firstTrace; t < firstTrace + traces; t++) {
            addSpans(scope, t, startNanos);
        }
        return ExportTraceServiceRequest.newBuilder()
                .addResourceSpans(ResourceSpans.newBuilder().setResource(resource).addScopeSpans(scope))
                .build();
    }

    /**
     * The GenAI message events of the traces {@code firstTrace} to {@code firstTrace + traces - 1} in one logs export,
     * as an SDK's log exporter sends them: per trace the user's message and the model's choice
     * ({@value #LOG_RECORDS_PER_TRACE} log records), in the context of the trace's root span.
     */
    public ExportLogsServiceRequest logs(long firstTrace, int traces, long startNanos) {
        ScopeLogs.Builder scope = ScopeLogs.newBuilder()
                .setScope(InstrumentationScope.newBuilder().setName("opentelemetry.instrumentation.openai"));
        for (long t = firstTrace; t < firstTrace + traces; t++) {
            ByteString traceId = traceId(t);
            ByteString spanId = ByteString.copyFrom(ByteBuffer.allocate(8).putLong(t * 1_000L + 1).array());
            scope.addLogRecords(event(traceId, spanId, "gen_ai.user.message", startNanos,
                    sentence(12, 40, topic(session(t)))));
            scope.addLogRecords(event(traceId, spanId, "gen_ai.choice", startNanos + 1_000_000L,
                    sentence(40, 120, null)));
        }
        return ExportLogsServiceRequest.newBuilder()
                .addResourceLogs(ResourceLogs.newBuilder().setResource(resource).addScopeLogs(scope))
                .build();
    }

    private static LogRecord event(ByteString traceId, ByteString spanId, String name, long timeNanos,
            String content) {
        return LogRecord.newBuilder()
                .setTraceId(traceId)
                .setSpanId(spanId)
                .setTimeUnixNano(timeNanos)
                .setObservedTimeUnixNano(timeNanos)
                .setEventName(name)
                .setBody(AnyValue.newBuilder().setKvlistValue(KeyValueList.newBuilder()
                        .addValues(attr("content", content))))
                .addAttributes(attr("gen_ai.system", "openai"))
                .build();
    }

    private void addSpans(ScopeSpans.Builder scope, long trace, long startNanos) {
        ByteString traceId = traceId(trace);
        long session = session(trace);
        long root = trace * 1_000L + 1;
        long duration = 200_000_000L + random.nextInt(1_800_000_000);
        int spans = shape.spansPerTurn();
        scope.addSpans(span(traceId, root, 0, "agent", startNanos, startNanos + duration)
                .addAttributes(attr("openinference.span.kind", "AGENT"))
                .addAttributes(attr("session.id", sessionId(session)))
                .addAttributes(attr("user.id", "user-" + session % 1000))
                .addAttributes(attr("input.value", sentence(12, 40, topic(session))))
                .addAttributes(attr("input.mime_type", "text/plain"))
                .addAttributes(attr("output.value", sentence(40, 120, null)))
                .addAttributes(attr("output.mime_type", "text/plain")));
        for (int i = 1; i < spans; i++) {
            long start = startNanos + duration * i / (spans + 1);
            long end = start + duration / (spans + 1);
            Span.Builder span = span(traceId, root + i, i == 1 ? root : root + 1, kind(i), start, end);
            switch (kind(i)) {
                case "chain" -> span.addAttributes(attr("openinference.span.kind", "CHAIN"));
                case "llm" -> span.addAttributes(attr("openinference.span.kind", "LLM"))
                        .addAttributes(attr("llm.model_name", random.nextBoolean() ? "gpt-4o" : "gpt-4o-mini"))
                        .addAttributes(intAttr("llm.token_count.prompt", 200 + random.nextInt(2000)))
                        .addAttributes(intAttr("llm.token_count.completion", 20 + random.nextInt(400)))
                        .addAttributes(attr("llm.input_messages.0.message.role", "user"))
                        .addAttributes(attr("llm.input_messages.0.message.content", sentence(12, 40, null)))
                        .addAttributes(attr("llm.output_messages.0.message.role", "assistant"))
                        .addAttributes(attr("llm.output_messages.0.message.content", sentence(40, 120, null)));
                default -> span.addAttributes(attr("openinference.span.kind", "TOOL"))
                        .addAttributes(attr("tool.name", "search"))
                        .addAttributes(attr("input.value", sentence(5, 15, null)))
                        .addAttributes(attr("output.value", sentence(20, 60, null)));
            }
            scope.addSpans(span);
        }
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

    private ByteString traceId(long trace) {
        return ByteString.copyFrom(ByteBuffer.allocate(16).putLong(traceIdHigh).putLong(trace).array());
    }

    /** Random words, with {@code mention} (when not null) at a random place among them. */
    private String sentence(int minWords, int maxWords, String mention) {
        int words = minWords + random.nextInt(maxWords - minWords + 1);
        int at = mention == null ? -1 : random.nextInt(words);
        StringBuilder text = new StringBuilder(words * 7);
        for (int i = 0; i < words; i++) {
            text.append(i == 0 ? "" : " ").append(i == at ? mention : WORDS[random.nextInt(WORDS.length)]);
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
