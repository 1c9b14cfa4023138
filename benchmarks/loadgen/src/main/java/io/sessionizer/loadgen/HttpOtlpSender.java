package io.sessionizer.loadgen;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.client.WebClientBuilder;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.ToLongBiFunction;

/**
 * OTLP/HTTP with protobuf bodies (https://opentelemetry.io/docs/specs/otlp/#otlphttp), over HTTP/1.1 with a pool of
 * connections, as the SDKs' HTTP exporters send.
 */
final class HttpOtlpSender implements OtlpSender {
    static final String DEFAULT_PATH = "/v1/traces";
    static final String LOGS_PATH = "/v1/logs";

    private final ClientFactory factory;
    private final WebClient client;
    private final String path;
    private final String logsPath;

    HttpOtlpSender(String url, String authorization, Duration timeout, ClientFactory factory) {
        this.factory = factory;
        URI uri = URI.create(url);
        this.path = uri.getRawPath() == null || uri.getRawPath().isEmpty() || uri.getRawPath().equals("/")
                ? DEFAULT_PATH : uri.getRawPath();
        // A custom traces path such as /otlp/v1/traces has its logs next to it.
        this.logsPath = path.endsWith(DEFAULT_PATH)
                ? path.substring(0, path.length() - DEFAULT_PATH.length()) + LOGS_PATH : LOGS_PATH;
        // h1c / h1: HTTP/1.1 without upgrade attempts, like the SDK exporters; https keeps TLS.
        String base = ("https".equalsIgnoreCase(uri.getScheme()) ? "h1" : "h1c") + "://" + uri.getRawAuthority();
        WebClientBuilder builder = WebClient.builder(base).factory(factory).responseTimeout(timeout);
        if (authorization != null) {
            builder.addHeader(HttpHeaderNames.AUTHORIZATION, authorization);
        }
        this.client = builder.build();
    }

    @Override
    public CompletableFuture<Long> send(ExportTraceServiceRequest request, long spans) {
        return post(path, request, spans, ExportTraceServiceResponse.parser(), OtlpSender::accepted);
    }

    @Override
    public CompletableFuture<Long> sendLogs(ExportLogsServiceRequest request, long records) {
        return post(logsPath, request, records, ExportLogsServiceResponse.parser(), OtlpSender::accepted);
    }

    private <R> CompletableFuture<Long> post(String to, Message request, long items, Parser<R> responses,
            ToLongBiFunction<Long, R> accepted) {
        RequestHeaders headers = RequestHeaders.builder(HttpMethod.POST, to)
                .contentType(MediaType.X_PROTOBUF)
                .build();
        return client.execute(HttpRequest.of(headers, HttpData.wrap(request.toByteArray()))).aggregate()
                .thenApply(response -> accepted(response, items, responses, accepted));
    }

    private static <R> long accepted(AggregatedHttpResponse response, long items, Parser<R> responses,
            ToLongBiFunction<Long, R> accepted) {
        int status = response.status().code();
        if (status < 200 || status > 299) {
            throw new SendFailure("http " + status, response.contentUtf8());
        }
        if (response.content().isEmpty()) {
            return items;
        }
        try {
            return accepted.applyAsLong(items, responses.parseFrom(response.content().array()));
        } catch (InvalidProtocolBufferException e) {
            throw new SendFailure("invalid answer", "The answer is not an OTLP export response");
        }
    }

    @Override
    public void close() {
        factory.close();
    }
}
