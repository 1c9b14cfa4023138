package io.sessionizer.ingest.grpc;

import com.google.protobuf.InvalidProtocolBufferException;
import com.linecorp.armeria.common.RequestContext;
import com.linecorp.armeria.common.grpc.GrpcExceptionHandlerFunction;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.sessionizer.ingest.pipeline.IngestMetrics;
import io.sessionizer.ingest.pipeline.RejectReason;

/**
 * Requests Armeria refuses before the service sees them: a message that is not protobuf, which grpc-java reports
 * as INTERNAL but OTLP wants as INVALID_ARGUMENT (a permanent error the client must not retry), and a message over
 * the size limit. Both are counted like the service's own rejections.
 */
public final class GrpcRejections implements GrpcExceptionHandlerFunction {
    private final IngestMetrics metrics;

    public GrpcRejections(IngestMetrics metrics) {
        this.metrics = metrics;
    }

    @Override
    public Status apply(RequestContext ctx, Status status, Throwable cause, Metadata metadata) {
        for (Throwable t = cause; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof InvalidProtocolBufferException) {
                metrics.rejected(IngestMetrics.GRPC, RejectReason.MALFORMED, 0, 0);
                return Status.INVALID_ARGUMENT.withDescription(
                        "Malformed OTLP/protobuf ExportTraceServiceRequest: " + t.getMessage()).withCause(cause);
            }
        }
        // The service reports its own errors as StatusRuntimeException and counts them itself.
        if (status.getCode() == Status.Code.RESOURCE_EXHAUSTED && !(cause instanceof StatusRuntimeException)) {
            metrics.rejected(IngestMetrics.GRPC, RejectReason.TOO_LARGE, 0, 0);
        }
        return null;
    }
}
