package io.sessionizer.loadgen;

import java.util.function.LongSupplier;

/**
 * Paces a sender to a fixed rate of permits (spans) per second. A sender that fell behind may catch up by at most
 * {@code slackNanos} in a burst; a longer stall is lost, not made up, so that a slow server is not hit with a flood.
 */
public final class RateLimiter {
    private final double nanosPerPermit;
    private final long slackNanos;
    private final LongSupplier nanoClock;
    private long next;

    /** @param permitsPerSecond the rate; 0 for no limit */
    public RateLimiter(double permitsPerSecond, long slackNanos, LongSupplier nanoClock) {
        if (permitsPerSecond < 0) {
            throw new IllegalArgumentException("A rate cannot be negative: " + permitsPerSecond);
        }
        this.nanosPerPermit = permitsPerSecond == 0 ? 0 : 1e9 / permitsPerSecond;
        this.slackNanos = slackNanos;
        this.nanoClock = nanoClock;
        this.next = nanoClock.getAsLong();
    }

    /** Reserves {@code permits} and returns how long, in nanoseconds, the caller must wait before using them. */
    public synchronized long reserve(long permits) {
        if (nanosPerPermit == 0) {
            return 0;
        }
        long now = nanoClock.getAsLong();
        long start = Math.max(next, now - slackNanos);
        next = start + Math.round(permits * nanosPerPermit);
        return Math.max(0, start - now);
    }
}
