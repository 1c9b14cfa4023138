package io.sessionizer.jmh;

import com.google.protobuf.InvalidProtocolBufferException;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.sessionizer.schemas.otlp.SplitResult;
import io.sessionizer.schemas.otlp.TraceSplitter;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;

/**
 * OTLP decode and split per trace ({@link TraceSplitter}), as the ingest does with each export and the aggregator
 * with each record not keyed by its trace; the baseline is the protobuf parse of the same bytes alone. One trace is
 * the shape of an {@code otlp_spans} record; 100 traces (500 spans) is a batch exporter's export.
 */
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class OtlpSplitBenchmark extends HotPathBenchmark {
    @Param({"1", "100"})
    public int traces;

    private byte[] bytes;

    @Setup
    public void setUp() {
        bytes = BenchmarkData.export(traces).toByteArray();
    }

    @Benchmark
    public ExportTraceServiceRequest baseline() throws InvalidProtocolBufferException {
        return ExportTraceServiceRequest.parseFrom(bytes);
    }

    @Benchmark
    public SplitResult parseAndSplit() throws InvalidProtocolBufferException {
        return TraceSplitter.split(ExportTraceServiceRequest.parseFrom(bytes));
    }
}
