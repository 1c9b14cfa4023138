package io.sessionizer.ingest.pipeline;

import io.github.bucket4j.TimeMeter;
import java.time.Duration;

/** A clock that moves only when a test says so, for Bucket4j and the in-flight shares. */
final class ManualClock implements TimeMeter {
    private long nanos = 1_000_000_000L;

    @Override
    public long currentTimeNanos() {
        return nanos;
    }

    @Override
    public boolean isWallClockBased() {
        return false;
    }

    void advance(Duration duration) {
        nanos += duration.toNanos();
    }
}
