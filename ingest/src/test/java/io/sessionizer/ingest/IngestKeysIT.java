package io.sessionizer.ingest;

import static io.sessionizer.ingest.HttpPoster.JSON;
import static io.sessionizer.ingest.HttpPoster.PROTOBUF;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.util.JsonFormat;
import com.google.rpc.Code;
import com.google.rpc.Status;
import com.linecorp.armeria.client.grpc.GrpcClients;
import io.grpc.StatusRuntimeException;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.logs.v1.LogsServiceGrpc;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.sessionizer.auth.ApiKeys;
import io.sessionizer.config.Config;
import io.sessionizer.ingest.otlp.OtlpCodec;
import io.sessionizer.ingest.otlp.OtlpEncoding;
import io.sessionizer.schemas.records.RecordContract;
import io.sessionizer.testing.KafkaTestCluster;
import io.sessionizer.testing.OtlpLogs;
import io.sessionizer.testing.OtlpTraces;
import io.sessionizer.testing.TestFiles;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scoped keys at the ingest, against a real broker: a key without the {@code ingest} scope is refused 403 over
 * OTLP/HTTP (an OTLP status in the request's encoding) and PERMISSION_DENIED over gRPC, for traces and logs, and
 * nothing of it reaches Kafka; a key rotated into the keys file is accepted and a revoked one refused while the server
 * runs.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class IngestKeysIT {
    private static final String INGEST_KEY = "sz_ingest-key-of-acme";
    private static final String READ_KEY = "sz_read-key-of-acme";
    private static final String LEGACY_KEY = "legacy-plaintext-key";
    private static final String FORBIDDEN = "This key may not ingest: it has the scopes read, annotate";

    private final KafkaTestCluster kafka = KafkaTestCluster.shared();
    private final Set<String> sentTraces = new HashSet<>();

    @TempDir
    static Path dir;

    private Path keysFile;
    private String spansTopic;
    private String logsTopic;
    private IngestServer server;
    private HttpPoster traces;
    private HttpPoster logs;

    @BeforeAll
    void start() throws IOException {
        spansTopic = KafkaTestCluster.uniqueName("keys_spans");
        logsTopic = KafkaTestCluster.uniqueName("keys_logs");
        kafka.createTopics(1, spansTopic, logsTopic);
        keysFile = dir.resolve("api-keys");
        Files.writeString(keysFile, "# acme: one key to send, one to read and annotate\n"
                + ApiKeys.hash(INGEST_KEY) + "=acme ingest\n"
                + ApiKeys.hash(READ_KEY) + "=acme read annotate\n"
                + LEGACY_KEY + "=legacy\n");
        server = IngestServer.start(Config.load(IngestSettings.all(), Map.of(), Map.of("http.port", "0",
                "grpc.port", "0", "topic.spans", spansTopic, "topic.logs", logsTopic,
                "auth.api-keys-file", keysFile.toString(), "auth.api-keys-reload-interval", "100ms",
                "kafka.bootstrap.servers", kafka.bootstrapServers())));
        traces = new HttpPoster(server.httpPort());
        logs = traces.logs();
    }

    @AfterAll
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private HttpResponse<byte[]> postTraces(String key, String contentType, ExportTraceServiceRequest request) {
        byte[] body = OtlpCodec.encode(request, contentType.equals(JSON) ? OtlpEncoding.JSON : OtlpEncoding.PROTOBUF);
        HttpResponse<byte[]> response = traces.post(contentType, body, "Authorization", "Bearer " + key);
        if (response.statusCode() == 200) {
            sentTraces.add(OtlpTraces.hex(request.getResourceSpans(0).getScopeSpans(0).getSpans(0).getTraceId()));
        }
        return response;
    }

    private TraceServiceGrpc.TraceServiceBlockingStub grpcTraces(String key) {
        return GrpcClients.builder("http://127.0.0.1:" + server.grpcPort())
                .responseTimeout(Duration.ofSeconds(20))
                .addHeader("authorization", "Bearer " + key)
                .build(TraceServiceGrpc.TraceServiceBlockingStub.class);
    }

    private LogsServiceGrpc.LogsServiceBlockingStub grpcLogs(String key) {
        return GrpcClients.builder("http://127.0.0.1:" + server.grpcPort())
                .responseTimeout(Duration.ofSeconds(20))
                .addHeader("authorization", "Bearer " + key)
                .build(LogsServiceGrpc.LogsServiceBlockingStub.class);
    }

    private static String traceOf(ExportLogsServiceRequest request) {
        return OtlpTraces.hex(OtlpLogs.records(request).get(0).getTraceId());
    }

    private static Set<String> keys(List<ConsumerRecord<byte[], byte[]>> records) {
        return records.stream().map(r -> new String(r.key(), StandardCharsets.UTF_8)).collect(Collectors.toSet());
    }

    /** Replaces the keys file the way Kubernetes updates a mounted secret: the new content moved in at once. */
    private void writeKeys(String content) {
        TestFiles.replaceAtomically(keysFile, content);
    }

    @Test
    void shouldRefuseAKeyWithoutTheIngestScope403InTheRequestsEncodingAndStoreNothingOfIt() throws Exception {
        ExportTraceServiceRequest refused = OtlpTraces.request(1, 1);
        HttpResponse<byte[]> protobuf = postTraces(READ_KEY, PROTOBUF, refused);
        HttpResponse<byte[]> json = postTraces(READ_KEY, JSON, OtlpTraces.request(1, 1));
        ExportLogsServiceRequest refusedLogs = OtlpLogs.request(1, 1);
        HttpResponse<byte[]> logsResponse = logs.post(PROTOBUF, refusedLogs.toByteArray(),
                "Authorization", "Bearer " + READ_KEY);

        assertThat(protobuf.statusCode()).isEqualTo(403);
        assertThat(protobuf.headers().firstValue("content-type")).hasValue(PROTOBUF);
        Status status = Status.parseFrom(protobuf.body());
        assertThat(status.getCode()).isEqualTo(Code.PERMISSION_DENIED_VALUE);
        assertThat(status.getMessage()).isEqualTo(FORBIDDEN);
        assertThat(json.statusCode()).isEqualTo(403);
        assertThat(json.headers().firstValue("content-type")).hasValue(JSON);
        Status.Builder fromJson = Status.newBuilder();
        JsonFormat.parser().merge(new String(json.body(), StandardCharsets.UTF_8), fromJson);
        assertThat(fromJson.getCode()).isEqualTo(Code.PERMISSION_DENIED_VALUE);
        assertThat(fromJson.getMessage()).isEqualTo(FORBIDDEN);
        assertThat(logsResponse.statusCode()).isEqualTo(403);
        assertThat(Status.parseFrom(logsResponse.body()).getMessage()).isEqualTo(FORBIDDEN);

        ExportTraceServiceRequest accepted = OtlpTraces.request(1, 1);
        assertThat(postTraces(INGEST_KEY, PROTOBUF, accepted).statusCode()).isEqualTo(200);
        List<ConsumerRecord<byte[], byte[]>> stored = TopicReader.recordsWithKeys(kafka.bootstrapServers(),
                spansTopic, Set.of(OtlpTraces.hex(accepted.getResourceSpans(0).getScopeSpans(0).getSpans(0)
                        .getTraceId())), 1);
        assertThat(TopicReader.header(stored.get(0), RecordContract.TENANT_HEADER)).isEqualTo("acme");
        assertThat(keys(kafka.consumeUntilQuiet(spansTopic, Duration.ofSeconds(1))))
                .doesNotContain(OtlpTraces.hex(refused.getResourceSpans(0).getScopeSpans(0).getSpans(0)
                        .getTraceId()));
        assertThat(keys(kafka.consumeUntilQuiet(logsTopic, Duration.ofSeconds(1))))
                .doesNotContain(traceOf(refusedLogs));
        assertThat(traces.get("/metrics").body())
                .containsPattern("ingest_requests_total\\{[^}]*outcome=\"rejected\",protocol=\"http\","
                        + "reason=\"forbidden\"[^}]*} [1-9]");
    }

    @Test
    void shouldAnswerPermissionDeniedOverGrpcToAKeyWithoutTheIngestScope() {
        ExportLogsServiceRequest refusedLogs = OtlpLogs.request(1, 1);

        assertThatThrownBy(() -> grpcTraces(READ_KEY).export(OtlpTraces.request(1, 1)))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(io.grpc.Status.Code.PERMISSION_DENIED);
                    assertThat(e.getStatus().getDescription()).isEqualTo(FORBIDDEN);
                });
        assertThatThrownBy(() -> grpcLogs(READ_KEY).export(refusedLogs))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e ->
                        assertThat(e.getStatus().getCode()).isEqualTo(io.grpc.Status.Code.PERMISSION_DENIED));
        assertThatThrownBy(() -> grpcTraces("not-a-key").export(OtlpTraces.request(1, 1)))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e ->
                        assertThat(e.getStatus().getCode()).isEqualTo(io.grpc.Status.Code.UNAUTHENTICATED));

        ExportLogsServiceRequest acceptedLogs = OtlpLogs.request(1, 1);
        grpcLogs(INGEST_KEY).export(acceptedLogs);
        grpcTraces(LEGACY_KEY).export(OtlpTraces.request(1, 1));
        assertThat(TopicReader.recordsWithKeys(kafka.bootstrapServers(), logsTopic, Set.of(traceOf(acceptedLogs)), 1))
                .hasSize(1);
        assertThat(keys(kafka.consumeUntilQuiet(logsTopic, Duration.ofSeconds(1))))
                .doesNotContain(traceOf(refusedLogs));
    }

    @Test
    void shouldAcceptARotatedKeyAndRefuseTheRevokedOneWithoutARestart() throws IOException {
        String rotated = ApiKeys.newKey(new SecureRandom());
        assertThat(postTraces(INGEST_KEY, PROTOBUF, OtlpTraces.request(1, 1)).statusCode()).isEqualTo(200);
        assertThat(postTraces(rotated, PROTOBUF, OtlpTraces.request(1, 1)).statusCode()).isEqualTo(401);

        writeKeys(ApiKeys.hash(rotated) + "=acme ingest\n" + ApiKeys.hash(READ_KEY) + "=acme read annotate\n"
                + LEGACY_KEY + "=legacy\n");

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            assertThat(postTraces(rotated, PROTOBUF, OtlpTraces.request(1, 1)).statusCode()).isEqualTo(200);
            assertThat(postTraces(INGEST_KEY, PROTOBUF, OtlpTraces.request(1, 1)).statusCode()).isEqualTo(401);
        });
        assertThatThrownBy(() -> grpcTraces(INGEST_KEY).export(OtlpTraces.request(1, 1)))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e ->
                        assertThat(e.getStatus().getCode()).isEqualTo(io.grpc.Status.Code.UNAUTHENTICATED));
        grpcTraces(rotated).export(OtlpTraces.request(1, 1));

        // A broken file keeps the keys in use, and the next good one is taken.
        writeKeys(ApiKeys.hash(INGEST_KEY) + "=acme ingest write\n");
        // Wait until the broken file was read and refused, then check that the keys in use stayed.
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(traces.get("/metrics").body())
                .contains("auth_api_keys_file_stale 1.0", "auth_api_keys 3.0"));
        assertThat(postTraces(rotated, PROTOBUF, OtlpTraces.request(1, 1)).statusCode()).isEqualTo(200);
        assertThat(postTraces(INGEST_KEY, PROTOBUF, OtlpTraces.request(1, 1)).statusCode()).isEqualTo(401);

        writeKeys(ApiKeys.hash(INGEST_KEY) + "=acme ingest\n" + ApiKeys.hash(READ_KEY) + "=acme read annotate\n"
                + LEGACY_KEY + "=legacy\n");
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                assertThat(postTraces(INGEST_KEY, PROTOBUF, OtlpTraces.request(1, 1)).statusCode()).isEqualTo(200));
        assertThat(postTraces(rotated, PROTOBUF, OtlpTraces.request(1, 1)).statusCode()).isEqualTo(401);
        assertThat(traces.get("/metrics").body()).contains("auth_api_keys_file_stale 0.0");
        assertThat(keys(TopicReader.recordsWithKeys(kafka.bootstrapServers(), spansTopic, sentTraces,
                sentTraces.size()))).containsAll(sentTraces);
    }
}
