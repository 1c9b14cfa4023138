package io.sessionizer.aggregator.index;

/** The index of a task cannot be read right now: it is being rebuilt, or its task is closing (a 503). */
public final class IndexUnavailableException extends RuntimeException {
    public IndexUnavailableException(String message) {
        super(message);
    }
}
