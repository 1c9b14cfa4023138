package io.sessionizer.launcher.local;

/** A reason the local stack cannot start that the user can act on; shown as its message alone, no stack trace. */
public final class LocalStackException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public LocalStackException(String message) {
        super(message);
    }
}
