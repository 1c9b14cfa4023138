package io.sessionizer.loadgen;

import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.grpc.GrpcClientBuilder;
import com.linecorp.armeria.client.grpc.GrpcClients;
import com.linecorp.armeria.common.HttpHeaderNames;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/** OTLP/gRPC ({@code TraceService/Export}), many calls multiplexed on one HTTP/2 connection. */
final class GrpcOtlpSender implements OtlpSender {
    private final ClientFactory factory = ClientFactory.builder().build();
    private final TraceServiceGrpc.TraceServiceStub stub;

    GrpcOtlpSender(String url, String authorization, Duration timeout) {
        URI uri = URI.create(url);
        GrpcClientBuilder builder = GrpcClients.builder(uri.getScheme() + "://" + uri.getRawAuthority())
                .factory(factory)
                .responseTimeout(timeout);
        if (authorization != null) {
            builder.addHeader(HttpHeaderNames.AUTHORIZATION, authorization);
        }
        this.stub = builder.build(TraceServiceGrpc.TraceServiceStub.class);
    }

    @Override
    public CompletableFuture<Long> send(ExportTraceServiceRequest request, long spans) {
        CompletableFuture<Long> result = new CompletableFuture<>();
        stub.export(request, new StreamObserver<>() {
            private long accepted = spans;

            @Override
            public void onNext(ExportTraceServiceResponse response) {
                accepted = OtlpSender.accepted(spans, response);
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
        });
        return result;
    }

    @Override
    public void close() {
        factory.close();
    }
}
