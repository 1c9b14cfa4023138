package io.sessionizer.jmh;

import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.sessionizer.aggregator.domain.LatencySketch;
import io.sessionizer.aggregator.domain.PriceTable;
import io.sessionizer.aggregator.domain.SessionAggregator;
import io.sessionizer.aggregator.domain.SessionKeyResolver;
import io.sessionizer.aggregator.domain.TurnAssembler;
import io.sessionizer.aggregator.domain.TurnLimits;
import io.sessionizer.aggregator.state.TraceState;
import io.sessionizer.loadgen.Traffic;
import io.sessionizer.schemas.SessionSummary;
import io.sessionizer.schemas.Turn;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * Inputs shaped like the backlog benchmark's ({@link Traffic}: traces of an AGENT root, a CHAIN, LLM and TOOL spans
 * with OpenInference attributes, 5 spans per trace, 10 traces per session), and the records the aggregator makes of
 * them, built by the aggregator's own domain classes.
 */
final class BenchmarkData {
    static final int SPANS_PER_TRACE = 5;
    static final int TRACES_PER_SESSION = 10;
    static final long START_NANOS = 1_764_000_000_000_000_000L;
    static final Instant NOW = Instant.ofEpochSecond(1_764_000_100L);
    private static final HexFormat HEX = HexFormat.of();

    private BenchmarkData() {
    }

    static Traffic traffic() {
        // One session in flight: a session's traces are consecutive, as a single conversation sends them.
        return new Traffic(42, new Traffic.Shape(1, TRACES_PER_SESSION, SPANS_PER_TRACE), "bench-session");
    }

    static TurnAssembler assembler() {
        return new TurnAssembler(new SessionKeyResolver(SessionKeyResolver.DEFAULT_KEYS), PriceTable.builtIn());
    }

    /** {@code count} consecutive traces, one export request each: the records of {@code otlp_spans}. */
    static List<ExportTraceServiceRequest> traces(int count) {
        Traffic traffic = traffic();
        List<ExportTraceServiceRequest> traces = new ArrayList<>(count);
        for (int t = 0; t < count; t++) {
            traces.add(traffic.trace(t, START_NANOS + t * 1_000_000L));
        }
        return traces;
    }

    /** The spans of {@code count} traces under one resource and scope, as an SDK's batch exporter sends them. */
    static ExportTraceServiceRequest export(int count) {
        List<ExportTraceServiceRequest> traces = traces(count);
        ResourceSpans first = traces.get(0).getResourceSpans(0);
        ScopeSpans.Builder scope = first.getScopeSpans(0).toBuilder().clearSpans();
        for (ExportTraceServiceRequest trace : traces) {
            scope.addAllSpans(trace.getResourceSpans(0).getScopeSpans(0).getSpansList());
        }
        return ExportTraceServiceRequest.newBuilder()
                .addResourceSpans(first.toBuilder().clearScopeSpans().addScopeSpans(scope))
                .build();
    }

    static Resource resource(ExportTraceServiceRequest trace) {
        return trace.getResourceSpans(0).getResource();
    }

    static List<Span> spans(ExportTraceServiceRequest trace) {
        return trace.getResourceSpans(0).getScopeSpans(0).getSpansList();
    }

    /** Stage 1 and stage 2 of one trace: its spans folded into a trace state, the delta merged into a new turn. */
    static Turn turn(TurnAssembler assembler, ExportTraceServiceRequest trace) {
        Resource resource = resource(trace);
        List<Span> spans = spans(trace);
        TraceState state = TurnAssembler.newTrace("default", HEX.formatHex(spans.get(0).getTraceId().toByteArray()), 0);
        Map<Long, Long> seen = TurnAssembler.spanParents(state);
        for (Span span : spans) {
            assembler.add(state, seen, resource, span, new TurnLimits.Cuts());
        }
        return TurnAssembler.merge(null, TurnAssembler.takeDelta(state, seen), NOW, new TurnLimits.Cuts());
    }

    /** A whole session: each trace's turn and the summary after all of them. */
    record Session(List<Turn> turns, SessionSummary summary) {
    }

    static Session session() {
        TurnAssembler assembler = assembler();
        List<Turn> turns = new ArrayList<>();
        SessionSummary summary = null;
        LatencySketch latency = new LatencySketch();
        for (ExportTraceServiceRequest trace : traces(TRACES_PER_SESSION)) {
            Turn turn = turn(assembler, trace);
            summary = SessionAggregator.apply(summary, latency, null, turn, turns.isEmpty() ? turn : null, turn, NOW,
                    new TurnLimits.Cuts());
            turns.add(turn);
        }
        return new Session(turns, summary);
    }
}
