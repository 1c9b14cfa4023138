package io.sessionizer.ingest.otlp;

/** A payload that is not a valid OTLP request; the message says what was wrong and is safe to show the client. */
public final class OtlpFormatException extends RuntimeException {
    public OtlpFormatException(String message) {
        super(message);
    }
}
