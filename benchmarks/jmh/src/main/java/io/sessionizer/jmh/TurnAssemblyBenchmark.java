package io.sessionizer.jmh;

import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;
import io.sessionizer.aggregator.domain.TurnAssembler;
import io.sessionizer.schemas.Turn;
import java.util.List;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Turn assembly ({@link TurnAssembler}) of one 5-span trace: stage 1 folds the spans into a new trace state and takes
 * the delta, stage 2 merges it into a new turn. The baseline reads every attribute of every span once, the least any
 * assembler must do.
 */
public class TurnAssemblyBenchmark extends HotPathBenchmark {
    private TurnAssembler assembler;
    private ExportTraceServiceRequest trace;
    private List<Span> spans;

    @Setup
    public void setUp() {
        assembler = BenchmarkData.assembler();
        trace = BenchmarkData.traces(1).get(0);
        spans = BenchmarkData.spans(trace);
    }

    @Benchmark
    public void baseline(Blackhole blackhole) {
        for (Span span : spans) {
            for (KeyValue kv : span.getAttributesList()) {
                blackhole.consume(kv.getKey());
                blackhole.consume(kv.getValue());
            }
        }
    }

    @Benchmark
    public Turn assemble() {
        return BenchmarkData.turn(assembler, trace);
    }
}
