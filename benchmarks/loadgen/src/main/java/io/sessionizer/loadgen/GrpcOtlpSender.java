package io.sessionizer.loadgen;

import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.grpc.GrpcClientBuilder;
import com.linecorp.armeria.client.grpc.GrpcClients;
import com.linecorp.armeria.common.HttpHeaderNames;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.logs.v1.LogsServiceGrpc;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.ToLongFunction;

/** OTLP/gRPC ({@code TraceService/Export}, {@code LogsService/Export}), many calls multiplexed on one connection. */
final class GrpcOtlpSender implements OtlpSender {
    private final ClientFactory factory;
    private final TraceServiceGrpc.TraceServiceStub stub;
    private final LogsServiceGrpc.LogsServiceStub logsStub;

    GrpcOtlpSender(String url, String authorization, Duration timeout, ClientFactory factory) {
        this.factory = factory;
        URI uri = URI.create(url);
        GrpcClientBuilder builder = GrpcClients.builder(uri.getScheme() + "://" + uri.getRawAuthority())
                .factory(factory)
                .responseTimeout(timeout);
        if (authorization != null) {
            builder.addHeader(HttpHeaderNames.AUTHORIZATION, authorization);
        }
        this.stub = builder.build(TraceServiceGrpc.TraceServiceStub.class);
        this.logsStub = builder.build(LogsServiceGrpc.LogsServiceStub.class);
    }

    @Override
    public CompletableFuture<Long> send(ExportTraceServiceRequest request, long spans) {
        CompletableFuture<Long> result = new CompletableFuture<>();
        stub.export(request, observer(result, spans, response -> OtlpSender.accepted(spans, response)));
        return result;
    }

    @Override
    public CompletableFuture<Long> sendLogs(ExportLogsServiceRequest request, long records) {
        CompletableFuture<Long> result = new CompletableFuture<>();
        logsStub.export(request, observer(result, records, response -> OtlpSender.accepted(records, response)));
        return result;
    }

    /** Completes {@code result} with the items accepted per the answer, or with the call's failure. */
    private static <R> StreamObserver<R> observer(CompletableFuture<Long> result, long items,
            ToLongFunction<R> acceptedOf) {
        return new StreamObserver<>() {
            private long accepted = items;

            @Override
            public void onNext(R response) {
                accepted = acceptedOf.applyAsLong(response);
            }

            @Override
            public void onError(Throwable error) {
                result.completeExceptionally(error instanceof StatusRuntimeException e
                        ? new SendFailure("grpc " + e.getStatus().getCode(), String.valueOf(e.getStatus()))
                        : error);
            }

            @Override
            public void onCompleted() {
                result.complete(accepted);
            }
        };
    }

    @Override
    public void close() {
        factory.close();
    }
}
