package io.sessionizer.ingest;

import static io.sessionizer.ingest.HttpPoster.PROTOBUF;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.rpc.Code;
import com.google.rpc.RetryInfo;
import com.google.rpc.Status;
import com.linecorp.armeria.client.grpc.GrpcClients;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.sessionizer.config.Config;
import io.sessionizer.schemas.otlp.LogSplitter;
import io.sessionizer.schemas.otlp.TraceBatch;
import io.sessionizer.schemas.otlp.TraceSplitter;
import io.sessionizer.schemas.records.RecordContract;
import io.sessionizer.testing.KafkaTestCluster;
import io.sessionizer.testing.OtlpLogs;
import io.sessionizer.testing.OtlpTraces;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Per-tenant rate limits against a real broker: the tenant over its limit is answered 429 with Retry-After (OTLP/HTTP)
 * or RESOURCE_EXHAUSTED with a RetryInfo (OTLP/gRPC), nothing of the refused request reaches Kafka, and another
 * tenant is still served. Each test starts its own ingest, so that each starts with full buckets.
 */
class TenantLimitsIT {
    /**
     * One span per second, sixty at once: a request of sixty spans empties the bucket for a minute, far longer than a
     * slow machine takes between two requests.
     */
    private static final String[] LIMITS = {"auth.api-keys", "k1=alpha,k2=beta", "limits.spans-per-second", "1",
        "limits.burst", "60s"};

    private static KafkaTestCluster kafka;
    private static String spansTopic;
    private static String logsTopic;
    private IngestServer server;

    @BeforeAll
    static void topics() {
        kafka = KafkaTestCluster.shared();
        spansTopic = KafkaTestCluster.uniqueName("otlp_spans");
        logsTopic = KafkaTestCluster.uniqueName("otlp_logs");
        kafka.createTopics(3, spansTopic, logsTopic);
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private void start(String... settings) {
        Map<String, String> overrides = new HashMap<>(Map.of("http.port", "0", "grpc.port", "0",
                "topic.spans", spansTopic, "topic.logs", logsTopic, "readiness.interval", "500ms",
                "kafka.bootstrap.servers", kafka.bootstrapServers()));
        for (int i = 0; i < settings.length; i += 2) {
            overrides.put(settings[i], settings[i + 1]);
        }
        server = IngestServer.start(Config.load(IngestSettings.all(), Map.of(), overrides));
    }

    private static Set<String> traceIds(ExportTraceServiceRequest request) {
        return TraceSplitter.split(request).batches().stream().map(TraceBatch::traceId).collect(Collectors.toSet());
    }

    private static Set<String> traceIds(ExportLogsServiceRequest request) {
        Set<String> ids = new HashSet<>();
        LogSplitter.split(request).batches().forEach(b -> ids.add(b.traceId()));
        return ids;
    }

    /**
     * Reads the topic until the stored traces are there (and half a second more), then asserts that every record
     * read is one of them, of the right tenant, and none of the refused traces.
     */
    private static void assertStoredOnly(String topic, Map<String, String> tenantOfStoredTrace,
            Set<String> refusedTraces) {
        Set<String> keys = new HashSet<>(tenantOfStoredTrace.keySet());
        keys.addAll(refusedTraces);
        List<ConsumerRecord<byte[], byte[]>> records = TopicReader.recordsWithKeys(kafka.bootstrapServers(), topic,
                keys, tenantOfStoredTrace.size());
        assertThat(records).extracting(TopicReader::key)
                .containsExactlyInAnyOrderElementsOf(tenantOfStoredTrace.keySet())
                .doesNotContainAnyElementsOf(refusedTraces);
        assertThat(records).allSatisfy(r -> assertThat(TopicReader.header(r, RecordContract.TENANT_HEADER))
                .isEqualTo(tenantOfStoredTrace.get(TopicReader.key(r))));
    }

    private static Map<String, String> ofTenant(String tenant, Set<String> traces) {
        return traces.stream().collect(Collectors.toMap(t -> t, t -> tenant));
    }

    private static long retryAfter(HttpResponse<?> response) {
        return Long.parseLong(response.headers().firstValue("retry-after").orElseThrow());
    }

    @Test
    void shouldAnswer429WithRetryAfterToTheTenantOverItsSpansRateAndStillServeAnother() throws Exception {
        start(LIMITS);
        HttpPoster http = new HttpPoster(server.httpPort());
        ExportTraceServiceRequest first = OtlpTraces.request(20, 3);
        ExportTraceServiceRequest refused = OtlpTraces.request(20, 3);
        ExportTraceServiceRequest other = OtlpTraces.request(20, 3);

        assertThat(http.post(PROTOBUF, first.toByteArray(), "Authorization", "Bearer k1").statusCode()).isEqualTo(200);
        HttpResponse<byte[]> tooMany = http.post(PROTOBUF, refused.toByteArray(), "Authorization", "Bearer k1");
        HttpResponse<byte[]> otherTenant = http.post(PROTOBUF, other.toByteArray(), "Authorization", "Bearer k2");

        assertThat(tooMany.statusCode()).isEqualTo(429);
        // Sixty spans at one per second, less what refilled between the two requests.
        assertThat(retryAfter(tooMany)).isBetween(30L, 60L);
        Status status = Status.parseFrom(tooMany.body());
        assertThat(status.getCode()).isEqualTo(Code.RESOURCE_EXHAUSTED_VALUE);
        assertThat(status.getMessage()).startsWith("Tenant 'alpha' is over its limit of 1 spans per second");
        assertThat(otherTenant.statusCode()).isEqualTo(200);
        Map<String, String> stored = new HashMap<>(ofTenant("alpha", traceIds(first)));
        stored.putAll(ofTenant("beta", traceIds(other)));
        assertStoredOnly(spansTopic, stored, traceIds(refused));
        assertThat(http.get("/metrics").body())
                .contains("ingest_tenant_refused_total{reason=\"spans_rate\",tenant=\"alpha\"} 1.0")
                .contains("ingest_tenant_spans_total{tenant=\"beta\"} 60.0")
                .containsPattern("ingest_tenant_inflight_bytes\\{tenant=\"alpha\"} 0.0");
    }

    @Test
    void shouldAnswerResourceExhaustedWithRetryInfoOverGrpcToTheTenantOverItsRateAndStillServeAnother()
            throws Exception {
        start(LIMITS);
        ExportTraceServiceRequest first = OtlpTraces.request(20, 3);
        ExportTraceServiceRequest refused = OtlpTraces.request(20, 3);
        ExportTraceServiceRequest other = OtlpTraces.request(20, 3);

        assertThat(grpc("k1").export(first)).isEqualTo(ExportTraceServiceResponse.getDefaultInstance());
        StatusRuntimeException error = null;
        try {
            grpc("k1").export(refused);
        } catch (StatusRuntimeException e) {
            error = e;
        }
        ExportTraceServiceResponse otherTenant = grpc("k2").export(other);

        assertThat(error).isNotNull();
        assertThat(error.getStatus().getCode()).isEqualTo(io.grpc.Status.Code.RESOURCE_EXHAUSTED);
        Status status = StatusProto.fromThrowable(error);
        assertThat(status.getMessage()).startsWith("Tenant 'alpha' is over its limit of 1 spans per second");
        // RetryInfo is what makes RESOURCE_EXHAUSTED retryable for an OTLP client.
        assertThat(status.getDetailsList()).singleElement().satisfies(detail -> assertThat(
                detail.unpack(RetryInfo.class).getRetryDelay().getSeconds()).isBetween(30L, 60L));
        assertThat(otherTenant).isEqualTo(ExportTraceServiceResponse.getDefaultInstance());
        Map<String, String> stored = new HashMap<>(ofTenant("alpha", traceIds(first)));
        stored.putAll(ofTenant("beta", traceIds(other)));
        assertStoredOnly(spansTopic, stored, traceIds(refused));
    }

    @Test
    void shouldAnswer429OnLogsToTheTenantOverItsBytesRateAndStillServeAnother() throws Exception {
        // 10 bytes per second, 1000 at once: the refused request would wait some 20 s; beta may send far more.
        start("auth.api-keys", "k1=alpha,k2=beta", "limits.bytes-per-second", "10", "limits.burst", "100s",
                "limits.tenant-overrides", "beta:bytes-per-second=1000");
        HttpPoster logs = new HttpPoster(server.httpPort()).logs();
        ExportLogsServiceRequest first = logs("a");
        ExportLogsServiceRequest refused = logs("b");
        ExportLogsServiceRequest other = logs("c");
        assertThat(first.getSerializedSize()).isBetween(501, 1000);

        assertThat(logs.post(PROTOBUF, first.toByteArray(), "Authorization", "Bearer k1").statusCode())
                .isEqualTo(200);
        HttpResponse<byte[]> tooMany = logs.post(PROTOBUF, refused.toByteArray(), "Authorization", "Bearer k1");
        HttpResponse<byte[]> otherTenant = logs.post(PROTOBUF, other.toByteArray(), "Authorization", "Bearer k2");

        assertThat(tooMany.statusCode()).isEqualTo(429);
        assertThat(retryAfter(tooMany)).isBetween(1L, 100L);
        Status status = Status.parseFrom(tooMany.body());
        assertThat(status.getCode()).isEqualTo(Code.RESOURCE_EXHAUSTED_VALUE);
        assertThat(status.getMessage()).startsWith("Tenant 'alpha' is over its limit of 10 bytes per second");
        assertThat(otherTenant.statusCode()).isEqualTo(200);
        Map<String, String> stored = new HashMap<>(ofTenant("alpha", traceIds(first)));
        stored.putAll(ofTenant("beta", traceIds(other)));
        assertStoredOnly(logsTopic, stored, traceIds(refused));
    }

    /** One log record of a new trace, of some 600 bytes. */
    private static ExportLogsServiceRequest logs(String letter) {
        return OtlpLogs.request(OtlpLogs.logRecord(OtlpTraces.randomId(16), letter.repeat(500)));
    }

    private TraceServiceGrpc.TraceServiceBlockingStub grpc(String key) {
        return GrpcClients.builder("http://127.0.0.1:" + server.grpcPort())
                .responseTimeout(Duration.ofSeconds(20))
                .addHeader("authorization", "Bearer " + key)
                .build(TraceServiceGrpc.TraceServiceBlockingStub.class);
    }
}
