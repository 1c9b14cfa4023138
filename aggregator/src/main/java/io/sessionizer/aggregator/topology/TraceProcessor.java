package io.sessionizer.aggregator.topology;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.sessionizer.aggregator.domain.TurnAssembler;
import io.sessionizer.aggregator.domain.TurnLimits;
import io.sessionizer.aggregator.state.TraceState;
import io.sessionizer.aggregator.state.TurnDelta;
import io.sessionizer.aggregator.store.StoreKeys;
import io.sessionizer.schemas.LlmCall;
import io.sessionizer.schemas.records.RecordContract;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.common.metrics.stats.CumulativeSum;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stage 1, keyed by trace: folds each record's spans into the state of their trace and, once the trace has a session,
 * forwards what changed as one delta keyed by session. One record in gives at most one delta out per trace, however
 * many spans it holds.
 *
 * <p>Records arrive keyed by trace ({@link SpansByTrace}); one holding other traces than its key says is trusted to
 * be whole for each of them, as the ingest and the Collector never write such records.
 *
 * <p>A trace without a session key is buffered for {@code trace.pending-timeout} and up to
 * {@code trace.pending-max-spans} spans; then its spans are dropped, counted, and logged once per check. A trace with
 * a session keeps its span ids for {@code trace.retention} after its last span, to count client retries once, and
 * takes at most {@code trace.max-spans} spans, so that its state stays a bounded record; more are dropped and counted.
 * Texts, names, metadata and tags cut to the {@link io.sessionizer.aggregator.domain.TurnLimits} are counted too.
 *
 * <p>Log records of a trace ({@code otlp_logs}, co-partitioned) fold into the same state: the GenAI message events
 * among them give the turn's input, output and tool calls where its spans do not.
 */
final class TraceProcessor implements Processor<String, Message, String, TurnDelta> {
    private static final Logger LOG = LoggerFactory.getLogger(TraceProcessor.class);
    private static final HexFormat HEX = HexFormat.of();
    static final String METADATA_CUT = "metadata-cut-total";
    static final String TOOL_CALLS_CUT = "tool-calls-cut-total";
    static final String TOOL_CALLS_CUT_DESCRIPTION = "Tool calls not listed because their turn listed "
            + TurnLimits.MAX_TOOL_CALLS + " already (counted in stage 1 and stage 2, each where it cut)";
    static final String METADATA_CUT_DESCRIPTION = "Metadata entries and tags dropped over the bounds (64 keys, 32 tags"
            + " a turn and a session), and metadata keys, values and tags cut to 256 characters";

    private final TurnAssembler assembler;
    private final Settings settings;
    private ProcessorContext<String, TurnDelta> context;
    private KeyValueStore<String, TraceState> traces;
    private KeyValueStore<Bytes, byte[]> expiry;
    private final TurnLimits.Cuts cuts = new TurnLimits.Cuts();
    private Sensor droppedSpans;
    private Sensor oversizedTraceSpans;
    private Sensor textsCut;
    private Sensor sessionIdsCut;
    private Sensor metadataCut;
    private Sensor toolCallsCut;
    private Sensor llmSpansDropped;
    /** Per model, at most {@value #MAX_MODEL_SENSORS}; the rest share one. */
    private final Map<String, Sensor> unpricedCalls = new HashMap<>();
    static final int MAX_MODEL_SENSORS = 100;
    static final String UNPRICED_CALLS = "unpriced-calls-total";

    record Settings(Duration pendingTimeout, int pendingMaxSpans, int maxSpans, Duration traceRetention,
            Duration punctuateInterval) {
    }

    TraceProcessor(TurnAssembler assembler, Settings settings) {
        this.assembler = assembler;
        this.settings = settings;
    }

    @Override
    public void init(ProcessorContext<String, TurnDelta> context) {
        this.context = context;
        this.traces = context.getStateStore(SessionTopology.TRACE_STATE_STORE);
        this.expiry = context.getStateStore(SessionTopology.TRACE_EXPIRY_STORE);
        this.droppedSpans = counter(context, "pending-spans-dropped-total",
                "Spans dropped because their trace had no session key in time or had too many spans");
        this.oversizedTraceSpans = counter(context, "trace-spans-dropped-total",
                "Spans dropped because their trace already had trace.max-spans spans");
        this.textsCut = counter(context, "texts-cut-total",
                "Inputs, outputs and names cut to turn.max-text-bytes or the name limit");
        this.sessionIdsCut = counter(context, "session-ids-cut-total",
                "Session ids longer than the limit, cut to a prefix and a hash of the whole id");
        this.metadataCut = counter(context, METADATA_CUT, METADATA_CUT_DESCRIPTION);
        this.toolCallsCut = counter(context, TOOL_CALLS_CUT, TOOL_CALLS_CUT_DESCRIPTION);
        this.llmSpansDropped = counter(context, "llm-spans-dropped-total",
                "LLM spans dropped because their trace had " + TurnLimits.MAX_LLM_SPANS + " already");
        context.schedule(settings.punctuateInterval(), PunctuationType.WALL_CLOCK_TIME, this::expire);
    }

    /** A cumulative counter of the task, group {@code sessionizer}; stage 2 counts metadata cuts with it too. */
    static Sensor counter(ProcessorContext<?, ?> context, String name, String description) {
        return counter(context, name, description, Map.of());
    }

    private static Sensor counter(ProcessorContext<?, ?> context, String name, String description,
            Map<String, String> tags) {
        Map<String, String> allTags = new HashMap<>(tags);
        allTags.put("task-id", context.taskId().toString());
        StringBuilder sensorName = new StringBuilder("sessionizer-").append(name).append('-').append(context.taskId());
        tags.forEach((key, value) -> sensorName.append('-').append(value));
        Sensor sensor = context.metrics().addSensor(sensorName.toString(), Sensor.RecordingLevel.INFO);
        sensor.add(new MetricName(name, "sessionizer", description, allTags), new CumulativeSum());
        return sensor;
    }

    /** Counts a leaf LLM call that had no price, under its model ({@code other} past the first 100 models). */
    private void recordUnpriced(String model) {
        String name = model == null || model.isEmpty() ? "unknown" : model;
        Sensor sensor = unpricedCalls.get(name);
        if (sensor == null) {
            if (unpricedCalls.size() >= MAX_MODEL_SENSORS) {
                name = "other";
                sensor = unpricedCalls.get(name);
            }
            if (sensor == null) {
                sensor = counter(context, UNPRICED_CALLS, "Leaf LLM calls with no llm.cost.* whose model the price"
                        + " table does not know, by model", Map.of("model", name));
                unpricedCalls.put(name, sensor);
            }
        }
        sensor.record(1);
    }

    @Override
    public void process(Record<String, Message> record) {
        String tenant = Tenants.of(record.headers());
        if (tenant == null) {
            throw new PoisonRecordException("invalid " + RecordContract.TENANT_HEADER
                    + " header: the tenant must match " + RecordContract.TENANT_PATTERN);
        }
        // Parsed once, by the source's serde (OtlpSerdes): bytes that are not a request never get here.
        long now = context.currentSystemTimeMs();
        Map<ByteString, Batch> batches = new LinkedHashMap<>(4);
        cuts.reset();
        if (record.value() instanceof ExportLogsServiceRequest logs) {
            addLogs(tenant, logs, batches, now);
        } else {
            addSpans(tenant, (ExportTraceServiceRequest) record.value(), batches, now);
        }
        record(textsCut, cuts.texts());
        record(sessionIdsCut, cuts.sessionIds());
        record(metadataCut, cuts.metadata());
        record(toolCallsCut, cuts.toolCalls());
        record(llmSpansDropped, cuts.llmSpans());

        for (Batch batch : batches.values()) {
            if (!batch.changed) {
                continue;
            }
            TraceState state = batch.state;
            long expiresAt;
            if (state.getSessionId() != null) {
                TurnDelta delta = TurnAssembler.takeDelta(state, batch.spans);
                for (LlmCall call : delta.getLlmCalls()) {
                    if (call.getCost().getUnpricedCalls() > 0) {
                        recordUnpriced(call.getModel());
                    }
                }
                String sessionKey = RecordContract.sessionKey(tenant, delta.getSessionId());
                context.forward(record.withKey(sessionKey).withValue(delta));
                expiresAt = now + settings.traceRetention().toMillis();
            } else {
                expiresAt = state.getFirstSeenMs() + settings.pendingTimeout().toMillis();
            }
            if (expiresAt != state.getExpiresAtMs()) {
                if (state.getExpiresAtMs() != 0) {
                    expiry.delete(StoreKeys.deadline(state.getExpiresAtMs(), batch.storeKey));
                }
                expiry.put(StoreKeys.deadline(expiresAt, batch.storeKey), StoreKeys.NO_VALUE);
                state.setExpiresAtMs(expiresAt);
            }
            traces.put(batch.storeKey, state);
        }
    }

    private void addSpans(String tenant, ExportTraceServiceRequest request, Map<ByteString, Batch> batches, long now) {
        long overflow = 0;
        long oversized = 0;
        for (ResourceSpans resourceSpans : request.getResourceSpansList()) {
            for (ScopeSpans scopeSpans : resourceSpans.getScopeSpansList()) {
                for (Span span : scopeSpans.getSpansList()) {
                    if (span.getTraceId().size() != 16) {
                        continue;
                    }
                    Batch batch = batches.computeIfAbsent(span.getTraceId(), id -> load(tenant, id, now));
                    TraceState state = batch.state;
                    if (state.getSessionId() == null && state.getSpanCount() >= settings.pendingMaxSpans()) {
                        overflow++;
                        continue;
                    }
                    if (state.getSpanIds().size() >= settings.maxSpans() && !batch.spans.containsKey(spanId(span))) {
                        oversized++;
                        continue;
                    }
                    batch.changed |= assembler.add(state, batch.spans, resourceSpans.getResource(), span, cuts);
                }
            }
        }
        record(droppedSpans, overflow);
        record(oversizedTraceSpans, oversized);
    }

    /** The GenAI message events among the log records; a record without a valid trace id joins no trace. */
    private void addLogs(String tenant, ExportLogsServiceRequest request, Map<ByteString, Batch> batches, long now) {
        for (ResourceLogs resourceLogs : request.getResourceLogsList()) {
            for (ScopeLogs scopeLogs : resourceLogs.getScopeLogsList()) {
                for (LogRecord log : scopeLogs.getLogRecordsList()) {
                    if (log.getTraceId().size() != 16) {
                        continue;
                    }
                    Batch batch = batches.computeIfAbsent(log.getTraceId(), id -> load(tenant, id, now));
                    batch.changed |= assembler.addLog(batch.state, resourceLogs.getResource(), log, cuts);
                }
            }
        }
    }

    private static void record(Sensor sensor, long count) {
        if (count > 0) {
            sensor.record(count);
        }
    }

    private static long spanId(Span span) {
        return span.getSpanId().size() == 8 ? span.getSpanId().asReadOnlyByteBuffer().getLong() : 0;
    }

    private Batch load(String tenant, ByteString traceId, long now) {
        String hex = HEX.formatHex(traceId.toByteArray());
        String storeKey = Tenants.traceKey(tenant, hex);
        TraceState state = traces.get(storeKey);
        if (state == null) {
            state = TurnAssembler.newTrace(tenant, hex, now);
        }
        return new Batch(storeKey, state, TurnAssembler.spanParents(state));
    }

    /** Drops the traces due: those past their retention, and those that waited too long for a session key. */
    private void expire(long now) {
        long pendingTraces = 0;
        long pendingSpans = 0;
        for (Bytes deadlineKey : Deadlines.due(expiry, now)) {
            String traceKey = StoreKeys.deadlineKey(deadlineKey);
            TraceState state = traces.get(traceKey);
            if (state != null && state.getSessionId() == null) {
                pendingTraces++;
                pendingSpans += state.getSpanCount();
            }
            traces.delete(traceKey);
            expiry.delete(deadlineKey);
        }
        if (pendingSpans > 0) {
            droppedSpans.record(pendingSpans);
            LOG.warn("Dropped {} spans of {} traces that carried no session key within {}", pendingSpans,
                    pendingTraces, settings.pendingTimeout());
        }
    }

    @Override
    public void close() {
        for (Sensor sensor : new Sensor[] {droppedSpans, oversizedTraceSpans, textsCut, sessionIdsCut, metadataCut,
                toolCallsCut, llmSpansDropped}) {
            context.metrics().removeSensor(sensor);
        }
        unpricedCalls.values().forEach(context.metrics()::removeSensor);
    }

    private static final class Batch {
        final String storeKey;
        final TraceState state;
        /** The trace's spans to their parents: the seen ones, and the tree the wrappers are found in. */
        final Map<Long, Long> spans;
        boolean changed;

        Batch(String storeKey, TraceState state, Map<Long, Long> spans) {
            this.storeKey = storeKey;
            this.state = state;
            this.spans = spans;
        }
    }
}
