package io.sessionizer.cli;

import java.time.Duration;
import java.util.Optional;

/**
 * The one wait loop of the command-line tools (the local stack, the benchmarks): asks a check again and again, a
 * pause apart, until it holds or a timeout passes. The check is asked at least once, and an exception it throws ends
 * the wait at once.
 */
public final class Poll {
    /** A condition that may fail with a checked exception. */
    @FunctionalInterface
    public interface Condition<E extends Exception> {
        boolean holds() throws E;
    }

    /** A value that may not be there yet, and may fail with a checked exception. */
    @FunctionalInterface
    public interface Value<T, E extends Exception> {
        Optional<T> get() throws E;
    }

    private Poll() {
    }

    /** True as soon as {@code condition} holds; false when {@code timeout} passed first. */
    public static <E extends Exception> boolean until(Duration timeout, Duration interval, Condition<E> condition)
            throws E, InterruptedException {
        return forValue(timeout, interval, () -> condition.holds() ? Optional.of(true) : Optional.empty())
                .isPresent();
    }

    /** The first value {@code value} answers; empty when {@code timeout} passed first. */
    public static <T, E extends Exception> Optional<T> forValue(Duration timeout, Duration interval,
            Value<T, E> value) throws E, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Optional<T> answer = value.get();
            if (answer.isPresent() || System.nanoTime() - deadline >= 0) {
                return answer;
            }
            Thread.sleep(interval.toMillis());
        }
    }
}
