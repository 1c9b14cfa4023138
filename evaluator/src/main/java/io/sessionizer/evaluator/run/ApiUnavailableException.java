package io.sessionizer.evaluator.run;

/**
 * The sessions API did not answer, or answered 503, 429, 502 or 504, for longer than the retry time: the session is
 * judged again later, its event left uncommitted.
 */
final class ApiUnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    ApiUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
