package io.sessionizer.aggregator.domain;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A quantile sketch of turn durations with bounded relative error, after DDSketch (Masson et al., VLDB 2019): values
 * fall into logarithmic buckets, and a quantile is answered from bucket counts within 1% of the true value. Unlike a
 * list of durations it stays small (a few hundred buckets between 1 ms and a day), merges by adding counts, and, what
 * a session needs when a turn grows, a value can be removed exactly.
 *
 * <p>Hand-written because the DDSketch library's store cannot remove a value, and it is a few lines. Not HdrHistogram
 * either, although it is on the classpath: its counts are a dense array of thousands of buckets per sketch, where
 * this keeps only the buckets in use, stored as two Avro arrays of the session's state ({@code latency_bins},
 * {@code latency_counts}).
 */
public final class LatencySketch {
    static final double RELATIVE_ACCURACY = 0.01;
    private static final double GAMMA = (1 + RELATIVE_ACCURACY) / (1 - RELATIVE_ACCURACY);
    private static final double LOG_GAMMA = Math.log(GAMMA);
    /** Durations below this many milliseconds count as zero. */
    private static final double MIN_VALUE = 1e-3;

    private final TreeMap<Integer, Long> buckets = new TreeMap<>();
    private long zeroCount;
    private long count;

    public static LatencySketch of(List<Integer> indexes, List<Long> counts, long zeroCount) {
        LatencySketch sketch = new LatencySketch();
        for (int i = 0; i < indexes.size(); i++) {
            sketch.buckets.put(indexes.get(i), counts.get(i));
            sketch.count += counts.get(i);
        }
        sketch.zeroCount = zeroCount;
        sketch.count += zeroCount;
        return sketch;
    }

    public void add(double valueMs) {
        change(valueMs, 1);
    }

    /** Removes a value added before; removing one never added leaves the sketch wrong, so callers must not. */
    public void remove(double valueMs) {
        change(valueMs, -1);
    }

    private void change(double valueMs, long delta) {
        count += delta;
        if (valueMs < MIN_VALUE) {
            zeroCount += delta;
            return;
        }
        buckets.merge(index(valueMs), delta, (a, b) -> a + b == 0 ? null : a + b);
    }

    /**
     * The q-quantile (0 to 1), or null when the sketch is empty. Between two ranks it interpolates linearly, as
     * numpy's default does, so that the p99 of a few turns is near the slowest rather than the second slowest.
     */
    public Double quantile(double q) {
        if (count <= 0) {
            return null;
        }
        double position = q * (count - 1);
        long lower = (long) Math.floor(position);
        double low = valueAtRank(lower);
        double high = valueAtRank(Math.min(count - 1, lower + 1));
        return low + (position - lower) * (high - low);
    }

    private double valueAtRank(long rank) {
        if (rank < zeroCount) {
            return 0.0;
        }
        long seen = zeroCount;
        for (Map.Entry<Integer, Long> bucket : buckets.entrySet()) {
            seen += bucket.getValue();
            if (seen > rank) {
                return value(bucket.getKey());
            }
        }
        return value(buckets.lastKey());
    }

    public long count() {
        return count;
    }

    public long zeroCount() {
        return zeroCount;
    }

    public List<Integer> indexes() {
        return List.copyOf(buckets.keySet());
    }

    public List<Long> counts() {
        return List.copyOf(buckets.values());
    }

    private static int index(double value) {
        return (int) Math.ceil(Math.log(value) / LOG_GAMMA);
    }

    /** The value that represents a bucket: within the relative accuracy of every value in it. */
    private static double value(int index) {
        return 2 * Math.pow(GAMMA, index) / (GAMMA + 1);
    }
}
