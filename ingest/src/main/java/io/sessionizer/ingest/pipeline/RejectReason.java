package io.sessionizer.ingest.pipeline;

import com.google.rpc.Code;

/**
 * Why a whole request was refused. Each transport maps a reason to its own status code; the tag labels the
 * rejection metrics. Retryable reasons follow the OTLP spec (https://opentelemetry.io/docs/specs/otlp/#failures):
 * the client should send the same data again later.
 */
public enum RejectReason {
    MALFORMED("malformed", false, Code.INVALID_ARGUMENT),
    TOO_LARGE("too_large", false, Code.RESOURCE_EXHAUSTED),
    UNSUPPORTED_MEDIA_TYPE("unsupported_media_type", false, Code.INVALID_ARGUMENT),
    UNAUTHENTICATED("unauthenticated", false, Code.UNAUTHENTICATED),
    /** A known API key without the {@code ingest} scope. */
    FORBIDDEN("forbidden", false, Code.PERMISSION_DENIED),
    OVERLOADED("overloaded", true, Code.RESOURCE_EXHAUSTED),
    KAFKA_UNAVAILABLE("kafka_unavailable", true, Code.UNAVAILABLE);

    private final String tag;
    private final boolean retryable;
    private final Code rpcCode;

    RejectReason(String tag, boolean retryable, Code rpcCode) {
        this.tag = tag;
        this.retryable = retryable;
        this.rpcCode = rpcCode;
    }

    /** The gRPC status code, also the {@code code} of the {@code google.rpc.Status} in an OTLP/HTTP answer. */
    public Code rpcCode() {
        return rpcCode;
    }

    public String tag() {
        return tag;
    }

    public boolean retryable() {
        return retryable;
    }
}
