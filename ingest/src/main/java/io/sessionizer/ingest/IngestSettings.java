package io.sessionizer.ingest;

import io.sessionizer.auth.ApiKeys;
import io.sessionizer.config.Setting;
import io.sessionizer.ingest.pipeline.TenantLimits;
import io.sessionizer.tls.TlsSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Every setting of the ingest service. Each is read from the properties file, from {@code SESSIONIZER_*}
 * environment variables ({@code http.port} → {@code SESSIONIZER_HTTP_PORT}) or from {@code --set}; Kafka producer
 * properties pass through as {@code kafka.*} keys or {@code KAFKA_*} variables.
 */
public final class IngestSettings {
    public static final Setting<Integer> HTTP_PORT = Setting.port("http.port", 4318,
            "Port of OTLP/HTTP (POST /v1/traces, POST /v1/logs) and of /healthz, /readyz and /metrics; 0 picks a free "
                    + "port.");
    public static final Setting<Integer> GRPC_PORT = Setting.port("grpc.port", 4317,
            "Port of OTLP/gRPC (TraceService/Export, LogsService/Export); 0 picks a free port.");
    public static final Setting<String> SPANS_TOPIC = Setting.string("topic.spans", "otlp_spans",
            "Kafka topic of the spans: one record per trace, key = hex trace id, value = OTLP protobuf.");
    public static final Setting<String> LOGS_TOPIC = Setting.string("topic.logs", "otlp_logs",
            "Kafka topic of the log records that carry a trace id (GenAI events): one record per trace, key = hex "
                    + "trace id, value = OTLP ExportLogsServiceRequest protobuf. Same partition count as topic.spans.");
    public static final Setting<Long> MAX_REQUEST_SIZE = Setting.bytes("http.max-request-size", "16MiB",
            "Largest OTLP/HTTP body, measured after decompression; larger requests are answered 413.");
    public static final Setting<Long> GRPC_MAX_MESSAGE_SIZE = Setting.bytes("grpc.max-message-size", "16MiB",
            "Largest OTLP/gRPC message, measured after decompression; larger ones get RESOURCE_EXHAUSTED.");
    public static final Setting<Long> RECORD_MAX_BYTES = Setting.bytes("record.max-bytes", "960KiB",
            "Largest Kafka record value the ingest writes, below the topic's max.message.bytes (1MiB by default) "
                    + "with room for key, headers and batch overhead. A larger trace is split into several records "
                    + "with the same key; a span or log record too large for one record has its longest texts cut "
                    + "(marked sessionizer.truncated) and, if still too large, attributes, events, links or the log "
                    + "body dropped. At least 16KiB.");
    public static final Setting<Duration> SEND_TIMEOUT = Setting.duration("producer.send-timeout", "5s",
            "How long a request may wait for Kafka to acknowledge its records before it is answered 503 / "
                    + "UNAVAILABLE; also the producer's delivery timeout.");
    public static final Setting<Long> MAX_IN_FLIGHT_BYTES = Setting.bytes("producer.max-in-flight-bytes", "64MiB",
            "Bytes of requests (after decompression) that may wait for Kafka at once; beyond it requests are "
                    + "answered 429 / RESOURCE_EXHAUSTED with a retry delay. Shared fairly: while several tenants "
                    + "have bytes waiting, each may hold at most an equal share; alone, a tenant may use all of it.");
    public static final Setting<Duration> RETRY_AFTER = Setting.duration("retry-after", "5s",
            "Delay suggested to clients in Retry-After (HTTP) and RetryInfo (gRPC) on retryable errors.");
    public static final Setting<List<String>> CORS_ALLOWED_ORIGINS = Setting.list("http.cors.allowed-origins", "",
            "Origins allowed to call POST /v1/traces and /v1/logs from a browser, comma-separated, or * for any; empty turns "
                    + "CORS off.");
    public static final Setting<Duration> READINESS_INTERVAL = Setting.duration("readiness.interval", "5s",
            "How often the background probe checks that Kafka is reachable.");
    public static final Setting<Duration> READINESS_TIMEOUT = Setting.duration("readiness.timeout", "3s",
            "How long one readiness probe waits for Kafka before reporting not ready.");
    public static final Setting<Duration> SHUTDOWN_TIMEOUT = Setting.duration("shutdown.timeout", "15s",
            "On stop, how long in-flight requests may take to finish before the servers close anyway.");

    private IngestSettings() {
    }

    public static List<Setting<?>> all() {
        List<Setting<?>> all = new ArrayList<>(List.of(HTTP_PORT, GRPC_PORT, SPANS_TOPIC, LOGS_TOPIC, MAX_REQUEST_SIZE,
                GRPC_MAX_MESSAGE_SIZE, RECORD_MAX_BYTES, SEND_TIMEOUT, MAX_IN_FLIGHT_BYTES, RETRY_AFTER,
                CORS_ALLOWED_ORIGINS, READINESS_INTERVAL, READINESS_TIMEOUT, SHUTDOWN_TIMEOUT));
        all.addAll(ApiKeys.settings());
        all.addAll(TenantLimits.settings());
        all.addAll(TlsSettings.settings());
        return List.copyOf(all);
    }
}
