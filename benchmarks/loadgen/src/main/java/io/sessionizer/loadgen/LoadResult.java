package io.sessionizer.loadgen;

import io.sessionizer.loadgen.Latencies;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The accepted exports of a run (or of one stretch of it): spans and protobuf bytes the server acknowledged, the
 * latency of those requests, and the failed requests by kind.
 */
public record LoadResult(double seconds, long requests, long spans, long bytes, Map<String, Long> errors,
        Latencies.Summary latency) {

    public double spansPerSecond() {
        return seconds > 0 ? spans / seconds : 0;
    }

    /** Megabytes (10^6 bytes) of uncompressed protobuf request bodies per second. */
    public double megabytesPerSecond() {
        return seconds > 0 ? bytes / seconds / 1e6 : 0;
    }

    public long errorCount() {
        return errors.values().stream().mapToLong(Long::longValue).sum();
    }

    /** {@code none}, or each kind with its count: {@code http 503 × 12, timeout × 3}. */
    public String describeErrors() {
        return errors.isEmpty() ? "none" : errors.entrySet().stream()
                .map(e -> e.getKey() + " × " + String.format(Locale.ROOT, "%,d", e.getValue()))
                .collect(Collectors.joining(", "));
    }

    /** The final numbers, a few lines for the terminal. */
    public String describe() {
        return String.format(Locale.ROOT, """
                Accepted %,d spans in %,d requests over %.1f s
                  throughput: %,.0f spans/s, %.1f MB/s of protobuf
                  request latency: p50 %.1f ms, p99 %.1f ms, p99.9 %.1f ms, max %.1f ms
                  errors: %s""", spans, requests, seconds, spansPerSecond(), megabytesPerSecond(),
                latency.p50(), latency.p99(), latency.p999(), latency.max(), describeErrors());
    }
}
