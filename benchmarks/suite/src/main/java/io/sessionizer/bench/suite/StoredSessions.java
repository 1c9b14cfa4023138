package io.sessionizer.bench.suite;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.sessionizer.bench.Backlog;
import io.sessionizer.loadgen.Traffic;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The sessions the query section reads, seeded the fastest way: produced straight to the spans topic as ingest writes
 * them (one OTLP {@code ExportTraceServiceRequest} per trace, keyed by its trace id in lowercase hex), one trace of
 * one span per session, so that a million sessions are a million small records. The span is both the root and a leaf
 * LLM call: it carries the session id, the user, an input that mentions the session's topic word (as
 * {@link Traffic#topic(long)}: 1 session in 40 shares it), an output, a model and token counts. One session in
 * {@value #RARE_EVERY} belongs to the project {@value #RARE_PROJECT}, the others to {@value #PROJECT}, so that a list
 * filtered by project has a rare one to look for. Sessions start one after the other over {@link #SPREAD} before the
 * seeding, inside any 24-hour window and young enough not to go idle during a run. Deterministic: session {@code n}
 * is always the same record but for its times.
 */
final class StoredSessions {
    static final String PROJECT = "bench";
    static final String RARE_PROJECT = "bench-rare";
    static final int RARE_EVERY = 100;
    static final List<String> MODELS = List.of("gpt-4o", "gpt-4o-mini", "claude-3-5-sonnet", "gemini-1.5-pro");
    static final Duration SPREAD = Duration.ofMinutes(10);
    private static final Duration TURN = Duration.ofMillis(800);
    private static final long TRACE_ID_MARK = 0x5e55_5eed_0000_0000L;
    private static final String[] WORDS = ("how do i change my plan and what does it cost per month for a team of"
            + " five people with the annual billing option").split(" ");

    private final String prefix;
    private final long count;
    private final long firstStartNanos;
    private final Resource project;
    private final Resource rareProject;

    /**
     * @param prefix session ids are {@code <prefix>-<n>}; also mixed into the trace ids, so that runs never share one
     * @param count how many sessions are seeded, numbered 0 to {@code count - 1}
     * @param seededAtNanos the start of the last session, in nanoseconds since the epoch; the first starts
     *     {@link #SPREAD} earlier
     */
    StoredSessions(String prefix, long count, long seededAtNanos) {
        this.prefix = prefix;
        this.count = count;
        this.firstStartNanos = seededAtNanos - SPREAD.toNanos();
        this.project = resource(PROJECT);
        this.rareProject = resource(RARE_PROJECT);
    }

    long count() {
        return count;
    }

    String sessionId(long session) {
        return prefix + "-" + session;
    }

    static String project(long session) {
        return session % RARE_EVERY == 0 ? RARE_PROJECT : PROJECT;
    }

    static String model(long session) {
        return MODELS.get((int) (session % MODELS.size()));
    }

    /** The record's key: the trace id of the session's one trace, lowercase hex, as ingest keys it. */
    String key(long session) {
        return HexFormat.of().formatHex(traceId(session).toByteArray());
    }

    /** The session's one trace, as the record ingest writes. */
    ExportTraceServiceRequest record(long session) {
        long start = firstStartNanos + (count <= 1 ? 0 : SPREAD.toNanos() / (count - 1) * session);
        Span span = Span.newBuilder()
                .setTraceId(traceId(session))
                .setSpanId(ByteString.copyFrom(ByteBuffer.allocate(8).putLong(session + 1).array()))
                .setName("llm")
                .setKind(Span.SpanKind.SPAN_KIND_CLIENT)
                .setStartTimeUnixNano(start)
                .setEndTimeUnixNano(start + TURN.toNanos())
                .addAttributes(attr("openinference.span.kind", "LLM"))
                .addAttributes(attr("session.id", sessionId(session)))
                .addAttributes(attr("user.id", "user-" + session % 1000))
                .addAttributes(attr("input.value", sentence(session, 12, Traffic.topic(session))))
                .addAttributes(attr("input.mime_type", "text/plain"))
                .addAttributes(attr("output.value", sentence(session + 7, 30, null)))
                .addAttributes(attr("output.mime_type", "text/plain"))
                .addAttributes(attr("llm.model_name", model(session)))
                .addAttributes(intAttr("llm.token_count.prompt", 200 + session % 1800))
                .addAttributes(intAttr("llm.token_count.completion", 20 + session % 380))
                .build();
        return ExportTraceServiceRequest.newBuilder()
                .addResourceSpans(ResourceSpans.newBuilder()
                        .setResource(project(session).equals(RARE_PROJECT) ? rareProject : project)
                        .addScopeSpans(ScopeSpans.newBuilder()
                                .setScope(InstrumentationScope.newBuilder()
                                        .setName("openinference.instrumentation.openai"))
                                .addSpans(span)))
                .build();
    }

    /** Writes every session's record to {@code topic}; returns the seconds it took. */
    double produce(String bootstrapServers, String topic) {
        return Backlog.produce(bootstrapServers, topic, count, "the stored sessions",
                s -> new ProducerRecord<>(topic, key(s), record(s).toByteArray()));
    }

    private ByteString traceId(long session) {
        long mark = TRACE_ID_MARK | (prefix.hashCode() & 0xffff_ffffL);
        return ByteString.copyFrom(ByteBuffer.allocate(16).putLong(mark).putLong(session).array());
    }

    /** {@code words} words of a fixed vocabulary picked by {@code seed}, with {@code mention} in the middle. */
    private static String sentence(long seed, int words, String mention) {
        StringBuilder text = new StringBuilder(words * 6);
        for (int i = 0; i < words; i++) {
            String word = mention != null && i == words / 2 ? mention
                    : WORDS[(int) ((seed * 31 + i * 7L) % WORDS.length)];
            text.append(i == 0 ? "" : " ").append(word);
        }
        return text.append('.').toString();
    }

    private static Resource resource(String projectName) {
        return Resource.newBuilder()
                .addAttributes(attr("service.name", "support-agent"))
                .addAttributes(attr("openinference.project.name", projectName))
                .build();
    }

    private static KeyValue attr(String key, String value) {
        return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setStringValue(value)).build();
    }

    private static KeyValue intAttr(String key, long value) {
        return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setIntValue(value)).build();
    }
}
