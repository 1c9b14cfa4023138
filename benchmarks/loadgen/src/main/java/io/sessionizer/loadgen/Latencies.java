package io.sessionizer.loadgen;

import java.util.Arrays;

/**
 * Durations recorded from any thread, every one kept, and their exact percentiles. A benchmark records thousands to a
 * few hundred thousand of them, so keeping all costs little and needs no histogram's rounding.
 */
public final class Latencies {
    private long[] nanos = new long[1024];
    private int count;

    public synchronized void record(long durationNanos) {
        if (count == nanos.length) {
            nanos = Arrays.copyOf(nanos, count * 2);
        }
        nanos[count++] = durationNanos;
    }

    /** Count and percentiles in milliseconds; NaN percentiles when nothing was recorded. */
    public Summary summary() {
        long[] sorted;
        synchronized (this) {
            sorted = Arrays.copyOf(nanos, count);
        }
        Arrays.sort(sorted);
        return new Summary(sorted.length, millis(percentile(sorted, 50)), millis(percentile(sorted, 99)),
                millis(percentile(sorted, 99.9)), millis(percentile(sorted, 100)));
    }

    /**
     * The nearest-rank percentile: the smallest value that at least {@code p} percent of the values do not exceed.
     * Returns -1 for no values.
     */
    static long percentile(long[] sorted, double p) {
        if (sorted.length == 0) {
            return -1;
        }
        // The epsilon keeps 99.9 % of 5,000 at rank 4,995: in binary, 0.999 * 5000 is a hair above it.
        int rank = (int) Math.ceil(p * sorted.length / 100 - 1e-9);
        return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
    }

    private static double millis(long nanos) {
        return nanos < 0 ? Double.NaN : nanos / 1e6;
    }

    /** Percentiles of recorded durations, in milliseconds. */
    public record Summary(int count, double p50, double p99, double p999, double max) {
    }
}
