package io.sessionizer.limits;

import io.github.bucket4j.Bucket;
import io.github.bucket4j.TimeMeter;
import java.time.Duration;

/**
 * The token buckets of the ingest's per-tenant limits and the query API's per-key limit, built one way: refilled
 * greedily, token by token, with the refill stated as a whole bucket per period so that any rate and burst stay
 * exact. And the wait a refusal states, in the whole seconds {@code Retry-After} can say.
 */
public final class RateBuckets {
    /** Nanoseconds in a second, the unit of Bucket4j's clock. */
    public static final long NANOS_PER_SECOND = 1_000_000_000L;

    private RateBuckets() {
    }

    /**
     * A bucket of {@code capacity} tokens, full at first, refilled greedily at {@code capacity} per
     * {@code periodNanos}.
     *
     * @param clock Bucket4j's time source: the system's nanosecond clock, or a test's own
     */
    public static Bucket greedy(long capacity, long periodNanos, TimeMeter clock) {
        return Bucket.builder()
                .addLimit(limit -> limit.capacity(capacity).refillGreedy(capacity, Duration.ofNanos(periodNanos)))
                .withCustomTimePrecision(clock)
                .build();
    }

    /** Whole seconds, rounded up, at least one: what {@code Retry-After} can say of a wait of {@code waitNanos}. */
    public static long retryAfterSeconds(long waitNanos) {
        return Math.max(1, (waitNanos + NANOS_PER_SECOND - 1) / NANOS_PER_SECOND);
    }
}
