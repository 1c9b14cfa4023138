package io.sessionizer.testing;

import io.github.bucket4j.TimeMeter;
import java.time.Duration;

/**
 * A Bucket4j clock that moves only when a test says so, for the token buckets of the rate limits and the ingest's
 * in-flight shares. Bucket4j is an optional dependency of the test kit: a module that uses this has it already.
 */
public final class ManualClock implements TimeMeter {
    private long nanos = 1_000_000_000L;

    @Override
    public long currentTimeNanos() {
        return nanos;
    }

    @Override
    public boolean isWallClockBased() {
        return false;
    }

    /** Moves the clock on by {@code duration}. */
    public void advance(Duration duration) {
        nanos += duration.toNanos();
    }
}
