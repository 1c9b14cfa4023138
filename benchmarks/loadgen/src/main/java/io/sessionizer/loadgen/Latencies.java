package io.sessionizer.loadgen;

import org.HdrHistogram.SynchronizedHistogram;

/**
 * Durations recorded from any thread into an HdrHistogram, and their percentiles. Three significant digits: a
 * percentile is within 0.1 % of the exact one, in fixed memory however long the benchmark runs.
 */
public final class Latencies {
    private final SynchronizedHistogram nanos = new SynchronizedHistogram(3);

    public void record(long durationNanos) {
        nanos.recordValue(durationNanos);
    }

    /** Count and percentiles in milliseconds; NaN percentiles when nothing was recorded. */
    public Summary summary() {
        SynchronizedHistogram snapshot = nanos.copy();
        if (snapshot.getTotalCount() == 0) {
            return new Summary(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
        }
        return new Summary((int) snapshot.getTotalCount(), millis(snapshot.getValueAtPercentile(50)),
                millis(snapshot.getValueAtPercentile(99)), millis(snapshot.getValueAtPercentile(99.9)),
                millis(snapshot.getMaxValue()));
    }

    private static double millis(long nanos) {
        return nanos / 1e6;
    }

    /** Percentiles of recorded durations, in milliseconds. */
    public record Summary(int count, double p50, double p99, double p999, double max) {
    }
}
