package io.sessionizer.aggregator.topology;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.sessionizer.aggregator.domain.TurnAssembler;
import io.sessionizer.schemas.Turn;
import io.sessionizer.schemas.internal.TraceState;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stage 1, keyed by trace: folds each record's spans into the state of their trace and, once the trace has a session,
 * forwards its turn keyed by session. One record in gives at most one turn out per trace, however many spans it holds.
 */
final class TraceProcessor implements Processor<String, byte[], String, Turn> {
    private static final Logger LOG = LoggerFactory.getLogger(TraceProcessor.class);
    private static final HexFormat HEX = HexFormat.of();

    private final TurnAssembler assembler;
    private ProcessorContext<String, Turn> context;
    private KeyValueStore<String, TraceState> traces;

    TraceProcessor(TurnAssembler assembler) {
        this.assembler = assembler;
    }

    @Override
    public void init(ProcessorContext<String, Turn> context) {
        this.context = context;
        this.traces = context.getStateStore(SessionTopology.TRACE_STATE_STORE);
    }

    @Override
    public void process(Record<String, byte[]> record) {
        String tenant = Tenants.of(record.headers());
        if (tenant == null) {
            LOG.warn("Skipping a record of {} with an invalid {} header", context.recordMetadata()
                    .map(m -> m.topic() + "-" + m.partition() + "@" + m.offset()).orElse("?"), Tenants.HEADER);
            return;
        }
        ExportTraceServiceRequest request;
        try {
            request = ExportTraceServiceRequest.parseFrom(record.value() == null ? new byte[0] : record.value());
        } catch (InvalidProtocolBufferException e) {
            LOG.warn("Skipping a record of {} that is not an OTLP ExportTraceServiceRequest: {}", context
                    .recordMetadata().map(m -> m.topic() + "-" + m.partition() + "@" + m.offset()).orElse("?"),
                    e.getMessage());
            return;
        }

        Map<ByteString, Batch> batches = new LinkedHashMap<>(4);
        for (ResourceSpans resourceSpans : request.getResourceSpansList()) {
            for (ScopeSpans scopeSpans : resourceSpans.getScopeSpansList()) {
                for (Span span : scopeSpans.getSpansList()) {
                    if (span.getTraceId().size() != 16) {
                        continue;
                    }
                    Batch batch = batches.computeIfAbsent(span.getTraceId(), id -> load(tenant, id));
                    batch.changed |= assembler.add(batch.state, batch.seen, resourceSpans.getResource(), span);
                }
            }
        }

        Instant now = Instant.ofEpochMilli(context.currentSystemTimeMs());
        for (Batch batch : batches.values()) {
            if (!batch.changed) {
                continue;
            }
            traces.put(batch.storeKey, batch.state);
            if (batch.state.getSessionId() != null) {
                Turn turn = TurnAssembler.toTurn(batch.state, now);
                context.forward(record.withKey(Tenants.sessionKey(tenant, turn.getSessionId())).withValue(turn));
            }
        }
    }

    private Batch load(String tenant, ByteString traceId) {
        String hex = HEX.formatHex(traceId.toByteArray());
        String storeKey = tenant + "/" + hex;
        TraceState state = traces.get(storeKey);
        if (state == null) {
            state = TurnAssembler.newTrace(tenant, hex);
        }
        return new Batch(storeKey, state, TurnAssembler.seenSpans(state));
    }

    private static final class Batch {
        final String storeKey;
        final TraceState state;
        final Set<Long> seen;
        boolean changed;

        Batch(String storeKey, TraceState state, Set<Long> seen) {
            this.storeKey = storeKey;
            this.state = state;
            this.seen = seen;
        }
    }
}
