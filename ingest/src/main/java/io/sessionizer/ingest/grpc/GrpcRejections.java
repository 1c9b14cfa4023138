package io.sessionizer.ingest.grpc;

import com.google.protobuf.InvalidProtocolBufferException;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.RequestContext;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.common.grpc.GrpcExceptionHandlerFunction;
import com.linecorp.armeria.common.grpc.GrpcSerializationFormats;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.opentelemetry.proto.collector.logs.v1.LogsServiceGrpc;
import io.sessionizer.auth.TenantAuthentication;
import io.sessionizer.ingest.pipeline.IngestMetrics;
import io.sessionizer.ingest.pipeline.RejectReason;
import io.sessionizer.ingest.pipeline.Signal;

/**
 * Requests refused before the service sees them: a message that is not protobuf, which grpc-java reports as
 * INTERNAL but OTLP wants as INVALID_ARGUMENT (a permanent error the client must not retry), a message over the
 * size limit, a call without a known API key, and one whose key lacks the {@code ingest} scope. All are counted like
 * the service's own rejections.
 */
public final class GrpcRejections implements GrpcExceptionHandlerFunction, TenantAuthentication.Rejection {
    private final IngestMetrics metrics;

    public GrpcRejections(IngestMetrics metrics) {
        this.metrics = metrics;
    }

    @Override
    public Status apply(RequestContext ctx, Status status, Throwable cause, Metadata metadata) {
        for (Throwable t = cause; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof InvalidProtocolBufferException) {
                Signal signal = signal(ctx);
                metrics.rejected(signal, IngestMetrics.GRPC, RejectReason.MALFORMED, 0, 0);
                return Status.INVALID_ARGUMENT.withDescription(
                        "Malformed OTLP/protobuf " + signal.requestType() + ": " + t.getMessage()).withCause(cause);
            }
        }
        // The service reports its own errors as StatusRuntimeException and counts them itself.
        if (status.getCode() == Status.Code.RESOURCE_EXHAUSTED && !(cause instanceof StatusRuntimeException)) {
            metrics.rejected(signal(ctx), IngestMetrics.GRPC, RejectReason.TOO_LARGE, 0, 0);
        }
        return null;
    }

    /**
     * UNAUTHENTICATED as a trailers-only gRPC answer (https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md):
     * the {@link TenantAuthentication.Rejection} of OTLP/gRPC.
     */
    @Override
    public HttpResponse unauthenticated(ServiceRequestContext ctx, HttpRequest req, String authorization) {
        return trailersOnly(ctx, RejectReason.UNAUTHENTICATED, Status.Code.UNAUTHENTICATED,
                "Missing or unknown API key: send the metadata 'authorization: Bearer <key>'");
    }

    /** PERMISSION_DENIED, for a key without the {@code ingest} scope: the other half of the rejection. */
    @Override
    public HttpResponse forbidden(ServiceRequestContext ctx, HttpRequest req, String detail) {
        return trailersOnly(ctx, RejectReason.FORBIDDEN, Status.Code.PERMISSION_DENIED, detail);
    }

    private HttpResponse trailersOnly(ServiceRequestContext ctx, RejectReason reason, Status.Code code,
            String message) {
        metrics.rejected(signal(ctx), IngestMetrics.GRPC, reason, 0, 0);
        return HttpResponse.of(ResponseHeaders.builder(HttpStatus.OK)
                .contentType(GrpcSerializationFormats.PROTO.mediaType())
                .add("grpc-status", Integer.toString(code.value()))
                .add("grpc-message", message)
                .build());
    }

    /** The signal of a call, from its path: {@code /opentelemetry.proto.collector.logs.v1.LogsService/Export}. */
    private static Signal signal(RequestContext ctx) {
        return ctx.path().startsWith("/" + LogsServiceGrpc.SERVICE_NAME + "/") ? Signal.LOGS : Signal.TRACES;
    }
}
