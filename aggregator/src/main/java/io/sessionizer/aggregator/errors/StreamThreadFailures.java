package io.sessionizer.aggregator.errors;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.streams.errors.MissingSourceTopicException;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.errors.TopologyException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a stream thread's death means. A transient failure (the broker gone for a while, a transaction timed out, a
 * store that failed to open) replaces the thread after a backoff that doubles with each failure in the window, so a
 * failure that repeats does not spin. What cannot recover by retrying (bad configuration, missing topics, refused
 * credentials, a JVM error) or a failure that keeps coming back stops the instance, with one log line naming the
 * cause; its orchestrator (the local stack, Kubernetes) restarts it.
 */
public final class StreamThreadFailures implements StreamsUncaughtExceptionHandler {
    private static final Logger LOG = LoggerFactory.getLogger(StreamThreadFailures.class);
    static final Duration WINDOW = Duration.ofMinutes(10);
    static final int MAX_FAILURES_IN_WINDOW = 8;
    static final Duration FIRST_BACKOFF = Duration.ofSeconds(1);
    static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

    private final Deque<Long> recentFailures = new ArrayDeque<>();
    private final LongSupplier clock;
    private final Sleeper sleeper;
    private final Consumer<String> onFatal;

    /** @param onFatal told the cause, in one line, before the instance stops */
    public StreamThreadFailures(Consumer<String> onFatal) {
        this(System::currentTimeMillis, Thread::sleep, onFatal);
    }

    StreamThreadFailures(LongSupplier clock, Sleeper sleeper, Consumer<String> onFatal) {
        this.clock = clock;
        this.sleeper = sleeper;
        this.onFatal = onFatal;
    }

    @Override
    public StreamThreadExceptionResponse handle(Throwable exception) {
        Throwable root = rootCause(exception);
        if (isUnrecoverable(exception)) {
            return stop("Kafka Streams cannot recover from " + describe(exception, root));
        }
        int failures = recordFailure();
        if (failures > MAX_FAILURES_IN_WINDOW) {
            return stop("Kafka Streams failed " + failures + " times in " + WINDOW.toMinutes() + " min, last with "
                    + describe(exception, root));
        }
        Duration backoff = backoff(failures);
        LOG.warn("A stream thread failed ({} in {} min) with {}; replacing it in {} ms", failures,
                WINDOW.toMinutes(), describe(exception, root), backoff.toMillis(), exception);
        try {
            sleeper.sleep(backoff.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return StreamThreadExceptionResponse.REPLACE_THREAD;
    }

    private StreamThreadExceptionResponse stop(String cause) {
        LOG.error("Stopping: {}", cause);
        onFatal.accept(cause);
        return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
    }

    private synchronized int recordFailure() {
        long now = clock.getAsLong();
        recentFailures.addLast(now);
        while (!recentFailures.isEmpty() && recentFailures.peekFirst() < now - WINDOW.toMillis()) {
            recentFailures.removeFirst();
        }
        return recentFailures.size();
    }

    static Duration backoff(int failures) {
        long millis = FIRST_BACKOFF.toMillis() << Math.min(failures - 1, 16);
        return Duration.ofMillis(Math.min(millis, MAX_BACKOFF.toMillis()));
    }

    static boolean isUnrecoverable(Throwable exception) {
        for (Throwable t = exception; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof VirtualMachineError && !(t instanceof StackOverflowError)
                    || t instanceof ConfigException || t instanceof InvalidConfigurationException
                    || t instanceof MissingSourceTopicException || t instanceof TopologyException
                    || t instanceof AuthenticationException || t instanceof AuthorizationException
                    || t instanceof UnsupportedVersionException) {
                return true;
            }
        }
        return false;
    }

    private static Throwable rootCause(Throwable exception) {
        Throwable root = exception;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root;
    }

    private static String describe(Throwable exception, Throwable root) {
        String outer = exception.getClass().getSimpleName() + ": " + exception.getMessage();
        return root == exception ? outer
                : outer + " (caused by " + root.getClass().getSimpleName() + ": " + root.getMessage() + ")";
    }

    /** Thread.sleep, replaceable in tests. */
    interface Sleeper {
        void sleep(long millis) throws InterruptedException;
    }
}
