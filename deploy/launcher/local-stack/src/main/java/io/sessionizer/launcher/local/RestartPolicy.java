package io.sessionizer.launcher.local;

import java.time.Duration;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * When to restart one part of the local stack: after a delay that doubles with each failure in a row (1 s up to
 * 30 s), the count forgotten once the part has run for a stable minute; no more restarts after too many failures in
 * a row, which then stops the stack.
 */
final class RestartPolicy {
    static final Duration FIRST_DELAY = Duration.ofSeconds(1);
    static final Duration MAX_DELAY = Duration.ofSeconds(30);
    static final Duration STABLE = Duration.ofMinutes(1);
    /** 1 + 2 + 4 + 8 + 16 + 30 + 30 + 30 s: about two minutes of trying before giving up. */
    static final int MAX_FAILURES_IN_A_ROW = 8;

    private final LongSupplier clock;
    private int failures;
    private long runningSince = -1;

    RestartPolicy() {
        this(System::currentTimeMillis);
    }

    RestartPolicy(LongSupplier clock) {
        this.clock = clock;
    }

    /** The part (re)started and is ready. */
    synchronized void running() {
        runningSince = clock.getAsLong();
    }

    /**
     * The part died, or a restart of it failed. Returns the delay before the next attempt, or empty to give up.
     */
    synchronized Optional<Duration> failed() {
        long now = clock.getAsLong();
        if (runningSince >= 0 && now - runningSince >= STABLE.toMillis()) {
            failures = 0;
        }
        runningSince = -1;
        failures++;
        return failures > MAX_FAILURES_IN_A_ROW ? Optional.empty() : Optional.of(delay(failures));
    }

    /** Failures in a row, the last one included. */
    synchronized int failures() {
        return failures;
    }

    static Duration delay(int failures) {
        long millis = FIRST_DELAY.toMillis() << Math.min(failures - 1, 16);
        return Duration.ofMillis(Math.min(millis, MAX_DELAY.toMillis()));
    }
}
