package io.sessionizer.schemas.otlp;

import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import java.nio.charset.StandardCharsets;

/**
 * The spans of one trace out of an export, still wrapped in their resource and scope.
 *
 * @param traceId lowercase hex trace id, the Kafka record key
 * @param request an export request holding only this trace's spans
 * @param spanCount how many spans {@code request} holds
 */
public record TraceBatch(String traceId, ExportTraceServiceRequest request, int spanCount) implements OtlpBatch {
    @Override
    public byte[] key() {
        return traceId.getBytes(StandardCharsets.UTF_8);
    }
}
