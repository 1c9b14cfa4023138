package io.sessionizer.schemas.otlp;

import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import java.nio.charset.StandardCharsets;

/**
 * The log records of one trace out of an export, still wrapped in their resource and scope.
 *
 * @param traceId lowercase hex trace id, the Kafka record key
 * @param request an export request holding only this trace's log records
 * @param recordCount how many log records {@code request} holds
 */
public record LogBatch(String traceId, ExportLogsServiceRequest request, int recordCount) implements OtlpBatch {
    @Override
    public byte[] key() {
        return traceId.getBytes(StandardCharsets.UTF_8);
    }
}
