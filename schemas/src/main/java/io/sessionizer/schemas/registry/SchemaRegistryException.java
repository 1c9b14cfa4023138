package io.sessionizer.schemas.registry;

/**
 * A Schema Registry call that failed: refused by the registry, answered with something that is not the Confluent API,
 * or never answered. Carries the HTTP status and the Confluent {@code error_code} of the answer, so that callers can
 * tell a refused schema (42201) or an unknown id (40403) from an outage.
 */
public class SchemaRegistryException extends RuntimeException {
    /** Status and error code when there was no HTTP answer at all (connection refused, timeout, interrupted). */
    public static final int NO_ANSWER = 0;

    private final int httpStatus;
    private final int errorCode;

    public SchemaRegistryException(int httpStatus, int errorCode, String message) {
        this(httpStatus, errorCode, message, null);
    }

    public SchemaRegistryException(int httpStatus, int errorCode, String message, Throwable cause) {
        super(message, cause);
        this.httpStatus = httpStatus;
        this.errorCode = errorCode;
    }

    /** The HTTP status of the registry's answer, or {@link #NO_ANSWER}. */
    public int httpStatus() {
        return httpStatus;
    }

    /**
     * The Confluent {@code error_code} of the answer ({@code 40401} subject not found, {@code 40403} schema not found,
     * {@code 42201} invalid schema, {@code 50001} store error, ...); the HTTP status when the body carried none; or
     * {@link #NO_ANSWER}.
     */
    public int errorCode() {
        return errorCode;
    }

    /** Worth trying again later: no answer, a server error or rate limiting, rather than a refusal. */
    public boolean isRetryable() {
        return httpStatus == NO_ANSWER || httpStatus == 429 || httpStatus >= 500;
    }
}
