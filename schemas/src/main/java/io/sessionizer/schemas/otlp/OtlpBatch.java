package io.sessionizer.schemas.otlp;

import com.google.protobuf.Message;

/** One record of {@code otlp_spans} or {@code otlp_logs}: a one-trace export request and its key. */
public interface OtlpBatch {
    /** Lowercase hex trace id. */
    String traceId();

    /** The one-trace export request, the record value. */
    Message request();

    /** The record key: {@link #traceId()} in UTF-8. */
    byte[] key();
}
