package io.sessionizer.aggregator.query;

/** The state cannot be queried right now (restoring, rebalancing, starting); the caller should retry shortly. */
public final class StateUnavailableException extends RuntimeException {
    public StateUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
