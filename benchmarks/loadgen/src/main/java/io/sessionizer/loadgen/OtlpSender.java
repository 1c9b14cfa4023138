package io.sessionizer.loadgen;

import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.ClientFactoryBuilder;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import java.nio.file.Path;
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
        return connect(protocol, endpoint, apiKey, timeout, Tls.DEFAULT);
    }

    /** {@link #connect(Protocol, String, String, Duration)} with the TLS trust and client certificate of {@code tls}. */
    static OtlpSender connect(Protocol protocol, String endpoint, String apiKey, Duration timeout, Tls tls) {
        String url = endpoint.contains("://") ? endpoint : "http://" + endpoint;
        String authorization = apiKey == null || apiKey.isEmpty() ? null : "Bearer " + apiKey;
        ClientFactory factory = tls.factory();
        return switch (protocol) {
            case HTTP -> new HttpOtlpSender(url, authorization, timeout, factory);
            case GRPC -> new GrpcOtlpSender(url, authorization, timeout, factory);
        };
    }

    /**
     * The TLS of an {@code https://} endpoint: the PEM certificates trusted (null: the JVM's trust store), and the PEM
     * client certificate chain and key presented when the server asks for one (both null: none).
     */
    record Tls(Path caFile, Path clientCertFile, Path clientKeyFile) {
        public static final Tls DEFAULT = new Tls(null, null, null);

        public Tls {
            if ((clientCertFile == null) != (clientKeyFile == null)) {
                throw new IllegalArgumentException("A client certificate needs its key, and the reverse");
            }
        }

        ClientFactory factory() {
            ClientFactoryBuilder builder = ClientFactory.builder();
            if (caFile != null || clientCertFile != null) {
                builder.tlsCustomizer(ssl -> {
                    if (caFile != null) {
                        ssl.trustManager(caFile.toFile());
                    }
                    if (clientCertFile != null) {
                        ssl.keyManager(clientCertFile.toFile(), clientKeyFile.toFile());
                    }
                });
            }
            return builder.build();
        }
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
