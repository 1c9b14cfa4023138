package io.sessionizer.loadgen;

import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/** Sends OTLP trace or logs exports to one endpoint, many at once. */
public interface OtlpSender extends AutoCloseable {
    /**
     * Sends one export of {@code spans} spans; completes with the spans the server accepted (fewer when it answered a
     * partial success), or fails with a {@link SendFailure} or a transport error.
     */
    CompletableFuture<Long> send(ExportTraceServiceRequest request, long spans);

    /** {@link #send} for a logs export of {@code records} log records (OTLP/HTTP: {@code /v1/logs}). */
    CompletableFuture<Long> sendLogs(ExportLogsServiceRequest request, long records);

    @Override
    void close();

    /**
     * A sender for {@code endpoint}: a base URL such as {@code http://localhost:4318} (OTLP/HTTP posts to
     * {@code /v1/traces} unless the URL has a path), {@code https://} for TLS; without a scheme, {@code http://}.
     *
     * @param apiKey sent as {@code Authorization: Bearer <key>}; null or empty for none
     */
    static OtlpSender connect(Protocol protocol, String endpoint, String apiKey, Duration timeout) {
        String url = endpoint.contains("://") ? endpoint : "http://" + endpoint;
        String authorization = apiKey == null || apiKey.isEmpty() ? null : "Bearer " + apiKey;
        return switch (protocol) {
            case HTTP -> new HttpOtlpSender(url, authorization, timeout);
            case GRPC -> new GrpcOtlpSender(url, authorization, timeout);
        };
    }

    /** The spans accepted per an OTLP answer: all, less those a partial success rejected. */
    static long accepted(long spans, ExportTraceServiceResponse response) {
        return response.hasPartialSuccess() ? spans - response.getPartialSuccess().getRejectedSpans() : spans;
    }

    /** The log records accepted per an OTLP answer: all, less those a partial success rejected. */
    static long accepted(long records, ExportLogsServiceResponse response) {
        return response.hasPartialSuccess() ? records - response.getPartialSuccess().getRejectedLogRecords()
                : records;
    }
}
