package io.sessionizer.evaluator;

/**
 * Thrown by a {@link Judge} that cannot answer now but will later (a model's API timed out or answered 429 or 503):
 * the evaluator leaves the session's event uncommitted and judges it again.
 */
public final class JudgeUnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public JudgeUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }

    public JudgeUnavailableException(String message) {
        super(message);
    }
}
