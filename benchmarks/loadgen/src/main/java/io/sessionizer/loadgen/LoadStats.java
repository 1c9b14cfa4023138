package io.sessionizer.loadgen;

import io.sessionizer.loadgen.Latencies;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** What the answers of one stretch of a run said, recorded from the clients' threads. */
public final class LoadStats {
    private final long startNanos;
    private final LongAdder requests = new LongAdder();
    private final LongAdder spans = new LongAdder();
    private final LongAdder bytes = new LongAdder();
    private final Map<String, LongAdder> errors = new ConcurrentHashMap<>();
    private final Latencies latencies = new Latencies();

    /** @param startNanos {@link System#nanoTime()} when the stretch began */
    public LoadStats(long startNanos) {
        this.startNanos = startNanos;
    }

    /** An export the server accepted, wholly or in part, after {@code latencyNanos}. */
    public void accepted(long acceptedSpans, long sentSpans, long requestBytes, long latencyNanos) {
        requests.increment();
        spans.add(acceptedSpans);
        bytes.add(requestBytes);
        latencies.record(latencyNanos);
        if (acceptedSpans < sentSpans) {
            failed("partial success");
        }
    }

    public void failed(String kind) {
        errors.computeIfAbsent(kind, k -> new LongAdder()).increment();
    }

    public long errorCount() {
        return errors.values().stream().mapToLong(LongAdder::sum).sum();
    }

    /** The stretch from its start to {@code endNanos}. */
    public LoadResult result(long endNanos) {
        Map<String, Long> errorCounts = new TreeMap<>();
        errors.forEach((kind, count) -> errorCounts.put(kind, count.sum()));
        return new LoadResult((endNanos - startNanos) / 1e9, requests.sum(), spans.sum(), bytes.sum(), errorCounts,
                latencies.summary());
    }
}
