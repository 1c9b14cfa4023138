package io.sessionizer.ingest.pipeline;

import io.opentelemetry.proto.collector.logs.v1.ExportLogsPartialSuccess;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.ExportTracePartialSuccess;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;

/**
 * A stored export: every accepted span or log record was acknowledged by Kafka.
 *
 * @param accepted spans or log records written
 * @param rejected spans dropped for invalid ids, or log records dropped for carrying no trace id
 * @param firstProblem why the first dropped span was invalid, or null
 */
public record ExportResult(int accepted, int rejected, String firstProblem) {

    /** The OTLP answer: {@code partial_success} is set only when spans were dropped, as the spec asks. */
    public ExportTraceServiceResponse toResponse() {
        ExportTraceServiceResponse.Builder response = ExportTraceServiceResponse.newBuilder();
        if (rejected > 0) {
            response.setPartialSuccess(ExportTracePartialSuccess.newBuilder()
                    .setRejectedSpans(rejected)
                    .setErrorMessage("Rejected " + rejected + " of " + (accepted + rejected)
                            + " spans with invalid ids; the first: " + firstProblem));
        }
        return response.build();
    }

    /**
     * The OTLP answer to a logs export: {@code partial_success} counts the log records left out for carrying no trace
     * id, which only a trace's records are stored for (DESIGN.md, "Ingest").
     */
    public ExportLogsServiceResponse toLogsResponse() {
        return rejected == 0 ? ExportLogsServiceResponse.getDefaultInstance()
                : ExportLogsServiceResponse.newBuilder().setPartialSuccess(ExportLogsPartialSuccess.newBuilder()
                        .setRejectedLogRecords(rejected).setErrorMessage("Dropped " + rejected + " of "
                                + (accepted + rejected) + " log records without a trace id: only the log records of a "
                                + "trace are stored")).build();
    }
}
