package io.sessionizer.aggregator.topology;

/**
 * A record that can never be processed, whatever the retry: the processing exception handler sends it to the
 * dead-letter topic with this message as the reason, and processing carries on.
 */
public final class PoisonRecordException extends RuntimeException {
    public PoisonRecordException(String reason) {
        super(reason);
    }

    public PoisonRecordException(String reason, Throwable cause) {
        super(reason, cause);
    }
}
