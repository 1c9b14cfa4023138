package io.sessionizer.evaluator.run;

/**
 * An answer of the sessions API that asking again will not change: {@link #status()} 401 or 403 means the key is
 * wrong (the evaluator stops), 400 or 413 that a verdict was refused (it is skipped), anything else a fault the
 * session is skipped for.
 */
final class ApiException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int status;

    ApiException(int status, String message) {
        super(message);
        this.status = status;
    }

    int status() {
        return status;
    }

    /** True when the API refused the key: no other request can succeed either. */
    boolean unauthorized() {
        return status == 401 || status == 403;
    }
}
