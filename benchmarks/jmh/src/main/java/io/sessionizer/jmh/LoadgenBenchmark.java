package io.sessionizer.jmh;

import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.sessionizer.loadgen.LoadStats;
import io.sessionizer.loadgen.Traffic;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Setup;

/**
 * What the load generator spends on one request besides the network, at its defaults (100 sessions in flight, 10
 * turns of 5 spans, 500 spans per request): building the export from {@link Traffic}, encoding it, and recording
 * the answer in {@link LoadStats}; the baseline encodes an export built once. The bench suite runs the generator on
 * the cores of the stack it measures, so this is what each request takes from the stack.
 */
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class LoadgenBenchmark extends HotPathBenchmark {
    private static final int TRACES_PER_REQUEST = 100;
    private static final int SPANS_PER_TRACE = 5;

    private Traffic traffic;
    private ExportTraceServiceRequest built;
    private LoadStats stats;
    private long nextTrace;

    @Setup
    public void setUp() {
        traffic = new Traffic(42, new Traffic.Shape(100, 10, SPANS_PER_TRACE), "loadgen");
        built = traffic.request(0, TRACES_PER_REQUEST, BenchmarkData.START_NANOS);
        stats = new LoadStats(System.nanoTime());
    }

    @Benchmark
    public byte[] baseline() {
        return built.toByteArray();
    }

    @Benchmark
    public byte[] buildEncodeAndRecord() {
        ExportTraceServiceRequest request = traffic.request(nextTrace, TRACES_PER_REQUEST,
                BenchmarkData.START_NANOS + nextTrace * 1_000_000L);
        nextTrace += TRACES_PER_REQUEST;
        byte[] bytes = request.toByteArray();
        long spans = (long) TRACES_PER_REQUEST * SPANS_PER_TRACE;
        // A latency that varies as answers do, so the histogram records into many buckets.
        stats.accepted(spans, spans, bytes.length, 1_000_000L + (nextTrace * 7919 % 50_000_000L));
        return bytes;
    }
}
