package io.sessionizer.ingest.pipeline;

/** A refused request; the message is meant for the client and never holds secrets. */
public final class IngestException extends RuntimeException {
    private final RejectReason reason;

    public IngestException(RejectReason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public IngestException(RejectReason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public RejectReason reason() {
        return reason;
    }
}
