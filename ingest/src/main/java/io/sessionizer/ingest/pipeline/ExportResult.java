package io.sessionizer.ingest.pipeline;

import io.opentelemetry.proto.collector.trace.v1.ExportTracePartialSuccess;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;

/**
 * A stored export: every accepted span was acknowledged by Kafka.
 *
 * @param acceptedSpans spans written
 * @param rejectedSpans spans dropped for invalid ids
 * @param firstProblem why the first dropped span was invalid, or null
 */
public record ExportResult(int acceptedSpans, int rejectedSpans, String firstProblem) {

    /** The OTLP answer: {@code partial_success} is set only when spans were dropped, as the spec asks. */
    public ExportTraceServiceResponse toResponse() {
        ExportTraceServiceResponse.Builder response = ExportTraceServiceResponse.newBuilder();
        if (rejectedSpans > 0) {
            response.setPartialSuccess(ExportTracePartialSuccess.newBuilder()
                    .setRejectedSpans(rejectedSpans)
                    .setErrorMessage("Rejected " + rejectedSpans + " of " + (acceptedSpans + rejectedSpans)
                            + " spans with invalid ids; the first: " + firstProblem));
        }
        return response.build();
    }
}
