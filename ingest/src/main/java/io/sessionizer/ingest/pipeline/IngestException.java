package io.sessionizer.ingest.pipeline;

import java.time.Duration;
import java.util.Optional;

/** A refused request; the message is meant for the client and never holds secrets. */
public final class IngestException extends RuntimeException {
    private final RejectReason reason;
    private final Duration retryAfter;

    public IngestException(RejectReason reason, String message) {
        this(reason, message, (Duration) null);
    }

    public IngestException(RejectReason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
        this.retryAfter = null;
    }

    /** @param retryAfter when the client may send again, when this refusal knows better than {@code retry-after} */
    public IngestException(RejectReason reason, String message, Duration retryAfter) {
        super(message);
        this.reason = reason;
        this.retryAfter = retryAfter;
    }

    public RejectReason reason() {
        return reason;
    }

    /** The delay to suggest instead of the configured {@code retry-after}, if this refusal has its own. */
    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }
}
