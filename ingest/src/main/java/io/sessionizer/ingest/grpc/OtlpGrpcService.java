package io.sessionizer.ingest.grpc;

import com.google.protobuf.Any;
import com.google.rpc.Code;
import com.google.rpc.RetryInfo;
import com.google.rpc.Status;
import com.linecorp.armeria.common.util.Exceptions;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse;
import io.opentelemetry.proto.collector.logs.v1.LogsServiceGrpc;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.sessionizer.auth.TenantAuthentication;
import io.sessionizer.ingest.pipeline.ExportResult;
import io.sessionizer.ingest.pipeline.IngestException;
import io.sessionizer.ingest.pipeline.IngestMetrics;
import io.sessionizer.ingest.pipeline.IngestPipeline;
import io.sessionizer.ingest.pipeline.RejectReason;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * OTLP/gRPC export of traces, and of logs through {@link #logs()}
 * (https://opentelemetry.io/docs/specs/otlp/#otlpgrpc). Armeria decodes the message (gzip included, bounded by the
 * maximum message size) and answers INVALID_ARGUMENT on bad protobuf; this service runs on the blocking task executor and completes the call from the producer's acknowledgement. Retryable errors carry
 * a {@code google.rpc.RetryInfo}, which is what makes RESOURCE_EXHAUSTED retryable for OTLP clients.
 */
public final class OtlpGrpcService extends TraceServiceGrpc.TraceServiceImplBase {
    private static final Logger LOG = LoggerFactory.getLogger(OtlpGrpcService.class);

    private final IngestPipeline pipeline;
    private final Duration retryAfter;

    public OtlpGrpcService(IngestPipeline pipeline, Duration retryAfter) {
        this.pipeline = pipeline;
        this.retryAfter = retryAfter;
    }

    @Override
    public void export(ExportTraceServiceRequest request, StreamObserver<ExportTraceServiceResponse> observer) {
        String tenant = TenantAuthentication.tenant(ServiceRequestContext.current());
        answer(pipeline.export(request, request.getSerializedSize(), tenant, IngestMetrics.GRPC),
                ExportResult::toResponse, observer);
    }

    /** {@code LogsService/Export} on the same pipeline, with the same answers. */
    public LogsServiceGrpc.LogsServiceImplBase logs() {
        return new LogsServiceGrpc.LogsServiceImplBase() {
            @Override
            public void export(ExportLogsServiceRequest request, StreamObserver<ExportLogsServiceResponse> observer) {
                String tenant = TenantAuthentication.tenant(ServiceRequestContext.current());
                answer(pipeline.exportLogs(request, request.getSerializedSize(), tenant, IngestMetrics.GRPC),
                        ExportResult::toLogsResponse, observer);
            }
        };
    }

    private <T> void answer(CompletableFuture<ExportResult> stored, Function<ExportResult, T> response,
            StreamObserver<T> observer) {
        stored.whenComplete((result, error) -> {
            if (error == null) {
                observer.onNext(response.apply(result));
                observer.onCompleted();
                return;
            }
            Throwable cause = Exceptions.peel(error);
            if (cause instanceof IngestException e) {
                LOG.debug("Refused an OTLP/gRPC request ({}): {}", e.reason().tag(), e.getMessage());
                observer.onError(StatusProto.toStatusRuntimeException(status(e)));
            } else {
                LOG.warn("Failed to handle an OTLP/gRPC request", cause);
                observer.onError(StatusProto.toStatusRuntimeException(Status.newBuilder()
                        .setCode(Code.INTERNAL_VALUE).setMessage("Internal error; see the ingest log").build()));
            }
        });
    }

    /** The refusal's status; a retryable one carries its own delay (a rate limit's) or the configured one. */
    private Status status(IngestException e) {
        RejectReason reason = e.reason();
        Status.Builder status = Status.newBuilder().setCode(reason.rpcCode().getNumber()).setMessage(e.getMessage());
        if (reason.retryable()) {
            Duration delay = e.retryAfter().orElse(retryAfter);
            status.addDetails(Any.pack(RetryInfo.newBuilder()
                    .setRetryDelay(com.google.protobuf.Duration.newBuilder().setSeconds(delay.toSeconds())
                            .setNanos(delay.toNanosPart()))
                    .build()));
        }
        return status.build();
    }
}
