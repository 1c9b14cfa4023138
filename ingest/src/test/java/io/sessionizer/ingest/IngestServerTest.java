package io.sessionizer.ingest;

import static io.sessionizer.ingest.HttpPoster.JSON;
import static io.sessionizer.ingest.HttpPoster.PROTOBUF;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.Code;
import com.google.rpc.RetryInfo;
import com.google.rpc.Status;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.client.grpc.GrpcClients;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse;
import io.opentelemetry.proto.collector.logs.v1.LogsServiceGrpc;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.sessionizer.config.Config;
import io.sessionizer.ingest.FakeSink.Sent;
import io.sessionizer.ingest.pipeline.Signal;
import io.sessionizer.testing.OtlpLogs;
import io.sessionizer.testing.OtlpTraces;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The HTTP and gRPC front ends against sinks the test controls: every answer code, no broker needed. A few servers
 * with different settings are shared by the tests, since stopping one takes seconds (Netty's quiet period).
 */
class IngestServerTest {
    /** One running server with its own sink and readiness flag. */
    private static final class Instance {
        final FakeSink sink = new FakeSink();
        final AtomicBoolean ready = new AtomicBoolean(true);
        final IngestServer server;
        final HttpPoster http;

        Instance(String... settings) {
            Map<String, String> overrides = new HashMap<>(Map.of("http.port", "0", "grpc.port", "0"));
            for (int i = 0; i < settings.length; i += 2) {
                overrides.put(settings[i], settings[i + 1]);
            }
            server = IngestServer.start(Config.load(IngestSettings.all(), Map.of(), overrides), sink, ready::get,
                    () -> "the test says so", List.of());
            http = new HttpPoster(server.httpPort());
        }
    }

    private static Instance defaults;
    private static Instance strict;
    private static Instance secured;
    private static Instance browser;

    private FakeSink sink;
    private AtomicBoolean ready;
    private IngestServer server;
    private HttpPoster http;

    @BeforeAll
    static void startServers() {
        defaults = new Instance();
        strict = new Instance("http.max-request-size", "1MiB", "grpc.max-message-size", "64KiB",
                "producer.max-in-flight-bytes", "100B", "producer.send-timeout", "200ms", "retry-after", "7s");
        secured = new Instance("auth.api-keys", "k-alpha=alpha,k-beta=beta");
        browser = new Instance("http.cors.allowed-origins", "https://app.example");
    }

    @AfterAll
    static void stopServers() {
        // Stopped together: each stop waits out Netty's quiet period.
        CompletableFuture.allOf(Stream.of(defaults, strict, secured, browser)
                .map(i -> CompletableFuture.runAsync(i.server::close)).toArray(CompletableFuture[]::new)).join();
    }

    @BeforeEach
    void useDefaults() {
        for (Instance i : List.of(defaults, strict, secured, browser)) {
            i.sink.reset();
            i.ready.set(true);
        }
        use(defaults);
    }

    private void use(Instance instance) {
        sink = instance.sink;
        ready = instance.ready;
        server = instance.server;
        http = instance.http;
    }

    private static Status status(HttpResponse<byte[]> response) throws InvalidProtocolBufferException {
        return Status.parseFrom(response.body());
    }

    private static String text(HttpResponse<byte[]> response) {
        return new String(response.body(), StandardCharsets.UTF_8);
    }

    @Test
    void shouldAnswer200OnlyAfterKafkaAcknowledged() throws Exception {
        sink.hang();
        ExportTraceServiceRequest request = OtlpTraces.request(2, 3);

        CompletableFuture<HttpResponse<byte[]>> response = http.postAsync(PROTOBUF, request.toByteArray());

        await().until(() -> sink.sent().size() == 1);
        assertThat(response).isNotDone();
        sink.sent().get(0).future().complete(null);
        assertThat(response.get().statusCode()).isEqualTo(200);
        assertThat(response.get().headers().firstValue("content-type")).hasValue(PROTOBUF);
        assertThat(ExportTraceServiceResponse.parseFrom(response.get().body()))
                .isEqualTo(ExportTraceServiceResponse.getDefaultInstance());
        assertThat(sink.sent().get(0).batches()).hasSize(2);
        assertThat(sink.sent().get(0).tenant()).isEqualTo("default");
    }

    @Test
    void shouldAnswer400ForMalformedProtobuf() throws Exception {

        HttpResponse<byte[]> response = http.post(PROTOBUF, "definitely not protobuf".getBytes(StandardCharsets.UTF_8));

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.headers().firstValue("content-type")).hasValue(PROTOBUF);
        assertThat(status(response).getCode()).isEqualTo(Code.INVALID_ARGUMENT_VALUE);
        assertThat(status(response).getMessage())
                .startsWith("Malformed OTLP/protobuf ExportTraceServiceRequest: ");
        assertThat(sink.sent()).isEmpty();
    }

    @Test
    void shouldAnswer400WithAJsonStatusForMalformedJson() {

        HttpResponse<byte[]> response = http.post(JSON, "{\"resourceSpans\": [".getBytes(StandardCharsets.UTF_8));

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.headers().firstValue("content-type")).hasValue(JSON);
        assertThat(text(response)).startsWith("{\"code\":3,\"message\":\"Malformed OTLP/JSON at line 1");
    }

    @Test
    void shouldAnswer400ForOtlpJsonWithInvalidUtf8OrAnUnpairedSurrogateAsForMalformedProtobuf() {
        byte[] invalidUtf8 = "{\"resourceSpans\": [{\"scopeSpans\": [{\"spans\": [{\"name\": \"x\"}]}]}]}"
                .getBytes(StandardCharsets.UTF_8);
        invalidUtf8[56] = (byte) 0xFF;
        String loneSurrogate = OtlpTraces.SPEC_EXAMPLE_JSON.replace("I'm a server span", "\\ud800");

        HttpResponse<byte[]> badBytes = http.post(JSON, invalidUtf8);
        HttpResponse<byte[]> badEscape = http.post(JSON, loneSurrogate.getBytes(StandardCharsets.UTF_8));

        assertThat(badBytes.statusCode()).isEqualTo(400);
        assertThat(text(badBytes)).isEqualTo(
                "{\"code\":3,\"message\":\"Malformed OTLP/JSON: invalid UTF-8 at byte 56 (1 bad byte)\"}");
        assertThat(badEscape.statusCode()).isEqualTo(400);
        assertThat(badEscape.headers().firstValue("content-type")).hasValue(JSON);
        assertThat(text(badEscape)).startsWith(
                "{\"code\":3,\"message\":\"Malformed OTLP/JSON: unpaired surrogate \\\\ud800 in the string at "
                        + "/resourceSpans/0/scopeSpans/0/spans/0/name");
        assertThat(sink.sent()).isEmpty();
    }

    @Test
    void shouldStoreGzippedOtlpJsonAndAnswerInJson() {

        HttpResponse<byte[]> response = http.post(JSON,
                OtlpTraces.gzip(OtlpTraces.SPEC_EXAMPLE_JSON.getBytes(StandardCharsets.UTF_8)),
                "Content-Encoding", "gzip");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(text(response)).isEqualTo("{}");
        assertThat(sink.sent().get(0).batches()).singleElement()
                .satisfies(b -> assertThat(b.traceId()).isEqualTo(OtlpTraces.SPEC_EXAMPLE_TRACE_ID));
    }

    @Test
    void shouldReportPartialSuccessForSpansWithInvalidIds() {
        String twoSpans = """
                {"resourceSpans": [{"scopeSpans": [{"spans": [
                  {"traceId": "5b8efff798038103d269b633813fc60c", "spanId": "eee19b7ec3c1b174", "name": "ok"},
                  {"traceId": "5b8efff798038103d269b633813fc6", "spanId": "eee19b7ec3c1b174", "name": "short id"}
                ]}]}]}
                """;

        HttpResponse<byte[]> response = http.post(JSON, twoSpans.getBytes(StandardCharsets.UTF_8));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(text(response)).isEqualTo("{\"partialSuccess\":{\"rejectedSpans\":\"1\",\"errorMessage\":"
                + "\"Rejected 1 of 2 spans with invalid ids; the first: trace_id must be 16 bytes, got 15\"}}");
        assertThat(sink.sent().get(0).traces().get(0).spanCount()).isEqualTo(1);
    }

    @Test
    void shouldAnswer415ForAnUnknownMediaType() {

        HttpResponse<byte[]> response = http.post("text/plain", new byte[] {1});

        assertThat(response.statusCode()).isEqualTo(415);
        assertThat(text(response)).isEqualTo(
                "Unsupported Content-Type 'text/plain': OTLP/HTTP takes application/x-protobuf or application/json");
    }

    @Test
    void shouldAnswer415ForAContentTypeThatIsNotAMediaType() {

        HttpResponse<byte[]> response = http.post("json please", new byte[] {1});

        assertThat(response.statusCode()).isEqualTo(415);
        assertThat(text(response)).isEqualTo(
                "Unsupported Content-Type 'json please': OTLP/HTTP takes application/x-protobuf or application/json");
    }

    @Test
    void shouldAnswer415ForAnUnknownContentEncoding() throws Exception {

        HttpResponse<byte[]> response = http.post(PROTOBUF, new byte[] {1}, "Content-Encoding", "br");

        assertThat(response.statusCode()).isEqualTo(415);
        assertThat(status(response).getMessage())
                .isEqualTo("Unsupported Content-Encoding 'br': only gzip is accepted");
    }

    @Test
    void shouldAnswer413ForAGzipBombMeasuredAfterDecompression() throws Exception {
        use(strict);
        byte[] bomb = OtlpTraces.gzip(new byte[32 * 1024 * 1024]);

        HttpResponse<byte[]> response = http.post(PROTOBUF, bomb, "Content-Encoding", "gzip");

        assertThat(bomb.length).isLessThan(1024 * 1024);
        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(status(response).getMessage())
                .isEqualTo("Request body exceeds the limit of 1048576 bytes after gzip decompression");
        assertThat(sink.sent()).isEmpty();
    }

    @Test
    void shouldAnswer413ForABodyOverTheLimit() {
        use(strict);

        HttpResponse<byte[]> response = http.post(PROTOBUF, new byte[2 * 1024 * 1024]);

        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(sink.sent()).isEmpty();
    }

    @Test
    void shouldAnswer503WithRetryAfterWhenKafkaFailsAndStoreValidDataAfterwards() throws Exception {
        use(strict);
        sink.fail(new TimeoutException("Expiring 3 record(s)"));

        HttpResponse<byte[]> failed = http.post(PROTOBUF, OtlpTraces.request(3, 1).toByteArray());

        assertThat(failed.statusCode()).isEqualTo(503);
        assertThat(failed.headers().firstValue("retry-after")).hasValue("7");
        assertThat(status(failed).getCode()).isEqualTo(Code.UNAVAILABLE_VALUE);
        assertThat(status(failed).getMessage())
                .isEqualTo("Kafka did not store the spans (TimeoutException: Expiring 3 record(s)); retry later");
        sink.succeed();
        assertThat(http.post(PROTOBUF, OtlpTraces.request(3, 1).toByteArray()).statusCode()).isEqualTo(200);
    }

    @Test
    void shouldAnswer503WhenKafkaDoesNotAnswerWithinTheSendTimeout() throws Exception {
        use(strict);
        sink.hang();

        HttpResponse<byte[]> response = http.post(PROTOBUF, OtlpTraces.request(1, 1).toByteArray());

        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(response.headers().firstValue("retry-after")).hasValue("7");
        assertThat(status(response).getMessage())
                .isEqualTo("Kafka did not acknowledge the spans within 200 ms; retry later");
    }

    @Test
    void shouldAnswer429WhileTheBytesOfATimedOutRequestStillWaitForKafka() throws Exception {
        use(strict);
        sink.hang();
        HttpResponse<byte[]> timedOut = http.post(PROTOBUF, OtlpTraces.request(2, 2).toByteArray());

        HttpResponse<byte[]> refused = http.post(PROTOBUF, OtlpTraces.request(2, 2).toByteArray());

        assertThat(timedOut.statusCode()).isEqualTo(503);
        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(refused.headers().firstValue("retry-after")).hasValue("7");
        assertThat(status(refused).getCode()).isEqualTo(Code.RESOURCE_EXHAUSTED_VALUE);
        assertThat(status(refused).getMessage())
                .isEqualTo("Too much data waiting for Kafka (limit 100 bytes); retry later");
        sink.sent().get(0).future().complete(null);
        sink.succeed();
        assertThat(http.post(PROTOBUF, OtlpTraces.request(2, 2).toByteArray()).statusCode()).isEqualTo(200);
    }

    @Test
    void shouldAnswer401WithoutAValidApiKeyAndTagTheTenantOfAValidOne() throws Exception {
        use(secured);
        byte[] body = OtlpTraces.request(1, 1).toByteArray();

        HttpResponse<byte[]> missing = http.post(PROTOBUF, body);
        HttpResponse<byte[]> wrong = http.post(PROTOBUF, body, "Authorization", "Bearer k-gamma");
        HttpResponse<byte[]> right = http.post(PROTOBUF, body, "Authorization", "Bearer k-beta");

        assertThat(missing.statusCode()).isEqualTo(401);
        assertThat(missing.headers().firstValue("www-authenticate")).hasValue("Bearer");
        assertThat(status(missing).getMessage())
                .isEqualTo("Missing or unknown API key: send 'Authorization: Bearer <key>'");
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(right.statusCode()).isEqualTo(200);
        assertThat(sink.sent()).singleElement().satisfies(s -> assertThat(s.tenant()).isEqualTo("beta"));
    }

    @Test
    void shouldServeHealthAndReadiness() {
        assertThat(http.get("/healthz").statusCode()).isEqualTo(200);
        assertThat(http.get("/readyz").statusCode()).isEqualTo(200);
        assertThat(server.isReady()).isTrue();

        ready.set(false);

        HttpResponse<String> notReady = http.get("/readyz");
        assertThat(notReady.statusCode()).isEqualTo(503);
        assertThat(notReady.body()).isEqualTo("not ready: the test says so");
        assertThat(server.isReady()).isFalse();
        assertThat(http.get("/healthz").statusCode()).isEqualTo(200);
    }

    @Test
    void shouldCountRequestsSpansAndBytesByOutcomeInPrometheusText() {
        String accepted = "{outcome=\"accepted\",protocol=\"http\",reason=\"none\"}";
        String malformed = "{outcome=\"rejected\",protocol=\"http\",reason=\"malformed\"}";
        Map<String, Double> before = metrics();

        http.post(PROTOBUF, "garbage!".getBytes(StandardCharsets.UTF_8));
        http.post(PROTOBUF, OtlpTraces.request(2, 2).toByteArray());

        Map<String, Double> after = metrics();
        assertThat(after.get("ingest_requests_total" + accepted) - before.getOrDefault("ingest_requests_total"
                + accepted, 0.0)).isEqualTo(1);
        assertThat(after.get("ingest_spans_total" + accepted) - before.getOrDefault("ingest_spans_total"
                + accepted, 0.0)).isEqualTo(4);
        assertThat(after.get("ingest_requests_total" + malformed) - before.getOrDefault("ingest_requests_total"
                + malformed, 0.0)).isEqualTo(1);
        assertThat(after.get("ingest_bytes_total" + malformed) - before.getOrDefault("ingest_bytes_total"
                + malformed, 0.0)).isEqualTo(8);
        assertThat(after).containsKeys("ingest_kafka_send_seconds_count{outcome=\"success\"}",
                "ingest_inflight_bytes", "ingest_kafka_ready");
    }

    /** The samples of /metrics by name and labels. */
    private Map<String, Double> metrics() {
        HttpResponse<String> response = http.get("/metrics");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type")).hasValueSatisfying(
                v -> assertThat(v).startsWith("text/plain; version=0.0.4"));
        Map<String, Double> samples = new HashMap<>();
        for (String line : response.body().split("\n")) {
            int space = line.lastIndexOf(' ');
            if (!line.startsWith("#") && space > 0) {
                samples.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
            }
        }
        return samples;
    }

    @Test
    void shouldFinishInFlightRequestsWhenClosingAndThenRefuseConnections() throws Exception {
        Instance closing = new Instance();
        closing.sink.hang();
        CompletableFuture<HttpResponse<byte[]>> inFlight = closing.http.postAsync(PROTOBUF,
                OtlpTraces.request(1, 1).toByteArray());
        await().until(() -> closing.sink.sent().size() == 1);

        CompletableFuture<Void> closed = CompletableFuture.runAsync(closing.server::close);

        assertThat(closed).isNotDone();
        closing.sink.sent().get(0).future().complete(null);
        assertThat(inFlight.get().statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(20)).until(closed::isDone);
        assertThat(closing.http.postAsync(PROTOBUF, new byte[0])).failsWithin(Duration.ofSeconds(10))
                .withThrowableThat().withCauseInstanceOf(ConnectException.class);
    }

    @Test
    void shouldKeepCorsOffByDefault() {

        HttpResponse<String> preflight = http.send(preflight("https://app.example"));

        assertThat(preflight.headers().firstValue("access-control-allow-origin")).isEmpty();
    }

    @Test
    void shouldAllowConfiguredBrowserOrigins() {
        use(browser);

        HttpResponse<String> allowed = http.send(preflight("https://app.example"));
        HttpResponse<String> other = http.send(preflight("https://evil.example"));
        HttpResponse<String> logs = http.send(preflight("https://app.example", "/v1/logs"));

        assertThat(allowed.statusCode()).isEqualTo(200);
        assertThat(allowed.headers().firstValue("access-control-allow-origin")).hasValue("https://app.example");
        assertThat(other.headers().firstValue("access-control-allow-origin")).isEmpty();
        assertThat(logs.headers().firstValue("access-control-allow-origin")).hasValue("https://app.example");
    }

    private HttpRequest preflight(String origin) {
        return preflight(origin, "/v1/traces");
    }

    private HttpRequest preflight(String origin, String path) {
        return HttpRequest.newBuilder(URI.create(http.base() + path))
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .header("Origin", origin)
                .header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "content-type")
                .build();
    }

    private TraceServiceGrpc.TraceServiceBlockingStub grpc(String... headers) {
        return stub(TraceServiceGrpc.TraceServiceBlockingStub.class, headers);
    }

    private <T> T stub(Class<T> type, String... headers) {
        var builder = GrpcClients.builder("http://127.0.0.1:" + server.grpcPort())
                .responseTimeout(Duration.ofSeconds(20));
        for (int i = 0; i < headers.length; i += 2) {
            builder.addHeader(headers[i], headers[i + 1]);
        }
        return builder.build(type);
    }

    private static StatusRuntimeException grpcError(Runnable call) {
        try {
            call.run();
        } catch (StatusRuntimeException e) {
            return e;
        }
        throw new AssertionError("expected a gRPC error");
    }

    @Test
    void shouldExportOverGrpc() {

        ExportTraceServiceResponse response = grpc().export(OtlpTraces.request(3, 2));

        assertThat(response).isEqualTo(ExportTraceServiceResponse.getDefaultInstance());
        assertThat(sink.sent().get(0).batches()).hasSize(3);
    }

    @Test
    void shouldAnswerUnavailableWithRetryInfoOverGrpcWhenKafkaFails() throws Exception {
        sink.fail(new TimeoutException("Expiring 1 record(s)"));

        StatusRuntimeException error = grpcError(() -> grpc().export(OtlpTraces.request(1, 1)));

        assertThat(error.getStatus().getCode()).isEqualTo(io.grpc.Status.Code.UNAVAILABLE);
        Status status = StatusProto.fromThrowable(error);
        assertThat(status.getMessage())
                .isEqualTo("Kafka did not store the spans (TimeoutException: Expiring 1 record(s)); retry later");
        assertThat(status.getDetails(0).unpack(RetryInfo.class).getRetryDelay().getSeconds())
                .isEqualTo(5);
    }

    @Test
    void shouldAnswerResourceExhaustedWithRetryInfoOverGrpcWhenTooManyBytesWaitForKafka() throws Exception {
        use(strict);
        sink.hang();
        http.post(PROTOBUF, OtlpTraces.request(2, 2).toByteArray());

        StatusRuntimeException error = grpcError(() -> grpc().export(OtlpTraces.request(1, 1)));

        assertThat(error.getStatus().getCode()).isEqualTo(io.grpc.Status.Code.RESOURCE_EXHAUSTED);
        Status status = StatusProto.fromThrowable(error);
        assertThat(status.getMessage()).isEqualTo("Too much data waiting for Kafka (limit 100 bytes); retry later");
        assertThat(status.getDetails(0).unpack(RetryInfo.class).getRetryDelay().getSeconds())
                .isEqualTo(7);
    }

    @Test
    void shouldAnswerUnauthenticatedOverGrpcWithoutAValidKey() {
        use(secured);

        StatusRuntimeException missing = grpcError(() -> grpc().export(OtlpTraces.request(1, 1)));
        ExportTraceServiceResponse ok = grpc("authorization", "Bearer k-alpha").export(OtlpTraces.request(1, 1));

        assertThat(missing.getStatus().getCode()).isEqualTo(io.grpc.Status.Code.UNAUTHENTICATED);
        assertThat(ok).isNotNull();
        assertThat(sink.sent()).singleElement().satisfies(s -> assertThat(s.tenant()).isEqualTo("alpha"));
    }

    @Test
    void shouldAnswerResourceExhaustedOverGrpcForAGzipMessageOverTheLimit() {
        use(strict);
        ExportTraceServiceRequest big = OtlpTraces.request(200, 10);
        assertThat(big.getSerializedSize()).isGreaterThan(64 * 1024);

        StatusRuntimeException error = grpcError(() -> grpc().withCompression("gzip").export(big));

        assertThat(error.getStatus().getCode()).isEqualTo(io.grpc.Status.Code.RESOURCE_EXHAUSTED);
        assertThat(sink.sent()).isEmpty();
    }

    /** One gRPC frame that is not protobuf, sent to {@code path}. */
    private AggregatedHttpResponse garbageOverGrpc(String path) {
        byte[] garbage = "definitely not protobuf".getBytes(StandardCharsets.UTF_8);
        byte[] frame = new byte[5 + garbage.length];
        frame[4] = (byte) garbage.length;
        System.arraycopy(garbage, 0, frame, 5, garbage.length);
        return WebClient.of("http://127.0.0.1:" + server.grpcPort()).blocking()
                .execute(RequestHeaders.builder(HttpMethod.POST, path)
                        .contentType(MediaType.parse("application/grpc+proto")).add("te", "trailers").build(), frame);
    }

    @Test
    void shouldAnswerInvalidArgumentOverGrpcForMalformedProtobuf() {

        AggregatedHttpResponse response = garbageOverGrpc("/opentelemetry.proto.collector.trace.v1.TraceService/Export");

        String grpcStatus = response.trailers().get("grpc-status", response.headers().get("grpc-status"));
        assertThat(grpcStatus).isEqualTo("3");
        assertThat(sink.sent()).isEmpty();
    }

    /** Two traces of two GenAI events each, and one log line of no trace. */
    private static ExportLogsServiceRequest twoTracesOfLogsAndOneUntraced() {
        ExportLogsServiceRequest traced = OtlpLogs.request(2, 2);
        return traced.toBuilder().setResourceLogs(0, traced.getResourceLogs(0).toBuilder().setScopeLogs(0,
                traced.getResourceLogs(0).getScopeLogs(0).toBuilder()
                        .addLogRecords(OtlpLogs.logRecord(ByteString.EMPTY, "a log line of no trace")))).build();
    }

    @Test
    void shouldAnswerALogsExportOnlyAfterKafkaAcknowledgedCountingTheRecordsWithoutTraceAsDropped()
            throws Exception {
        sink.hang();

        CompletableFuture<HttpResponse<byte[]>> response = http.logs().postAsync(PROTOBUF,
                twoTracesOfLogsAndOneUntraced().toByteArray());

        await().until(() -> sink.sent().size() == 1);
        assertThat(response).isNotDone();
        sink.sent().get(0).future().complete(null);
        assertThat(response.get().statusCode()).isEqualTo(200);
        assertThat(response.get().headers().firstValue("content-type")).hasValue(PROTOBUF);
        ExportLogsServiceResponse answer = ExportLogsServiceResponse.parseFrom(response.get().body());
        assertThat(answer.getPartialSuccess().getRejectedLogRecords()).isEqualTo(1);
        assertThat(answer.getPartialSuccess().getErrorMessage()).isEqualTo(
                "Dropped 1 of 5 log records without a trace id: only the log records of a trace are stored");
        Sent sent = sink.sent().get(0);
        assertThat(sent.signal()).isEqualTo(Signal.LOGS);
        assertThat(sent.tenant()).isEqualTo("default");
        assertThat(sent.logs()).hasSize(2).allSatisfy(b -> assertThat(b.recordCount()).isEqualTo(2));
    }

    @Test
    void shouldStoreGzippedOtlpJsonLogsWithHexIdsAndAnswerInJson() {

        byte[] body = OtlpTraces.gzip(OtlpLogs.SPEC_EXAMPLE_JSON.getBytes(StandardCharsets.UTF_8));

        HttpResponse<byte[]> response = http.logs().post(JSON, body, "Content-Encoding", "gzip");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(text(response)).isEqualTo("{\"partialSuccess\":{\"rejectedLogRecords\":\"1\",\"errorMessage\":"
                + "\"Dropped 1 of 2 log records without a trace id: only the log records of a trace are stored\"}}");
        assertThat(sink.sent().get(0).logs()).singleElement().satisfies(b -> {
            assertThat(b.traceId()).isEqualTo(OtlpLogs.SPEC_EXAMPLE_TRACE_ID);
            assertThat(OtlpLogs.records(b.request()).get(0).getBody().getStringValue()).isEqualTo("Hello");
        });
    }

    @Test
    void shouldAnswerALogsExportWithoutTracedRecordsAt200WithoutKafka() throws Exception {
        sink.hang();

        HttpResponse<byte[]> response = http.logs().post(PROTOBUF,
                OtlpLogs.request(OtlpLogs.logRecord(ByteString.EMPTY, "plain log")).toByteArray());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(ExportLogsServiceResponse.parseFrom(response.body()).getPartialSuccess().getRejectedLogRecords())
                .isEqualTo(1);
        assertThat(sink.sent()).isEmpty();
    }

    @Test
    void shouldRefuseMalformedLogsAndUnknownMediaTypesAsForTraces() throws Exception {
        HttpPoster logs = http.logs();

        HttpResponse<byte[]> protobuf = logs.post(PROTOBUF, "definitely not protobuf".getBytes(StandardCharsets.UTF_8));
        HttpResponse<byte[]> json = logs.post(JSON, "{\"resourceLogs\": [".getBytes(StandardCharsets.UTF_8));
        HttpResponse<byte[]> badId = logs.post(JSON, OtlpLogs.SPEC_EXAMPLE_JSON.replace(
                "5B8EFFF798038103D269B633813FC60C", "not hex").getBytes(StandardCharsets.UTF_8));
        HttpResponse<byte[]> mediaType = logs.post("text/plain", new byte[] {1});
        HttpResponse<byte[]> encoding = logs.post(PROTOBUF, new byte[] {1}, "Content-Encoding", "br");

        assertThat(protobuf.statusCode()).isEqualTo(400);
        assertThat(status(protobuf).getMessage()).startsWith("Malformed OTLP/protobuf ExportLogsServiceRequest: ");
        assertThat(json.statusCode()).isEqualTo(400);
        assertThat(text(json)).startsWith("{\"code\":3,\"message\":\"Malformed OTLP/JSON at line 1");
        assertThat(badId.statusCode()).isEqualTo(400);
        assertThat(text(badId)).contains("traceId must be a hex string, got \\\"not hex\\\"");
        assertThat(mediaType.statusCode()).isEqualTo(415);
        assertThat(encoding.statusCode()).isEqualTo(415);
        assertThat(sink.sent()).isEmpty();
    }

    @Test
    void shouldAnswer413ForLogsOverTheLimitAnd503Or429WhenKafkaFailsOrIsSlow() throws Exception {
        use(strict);
        HttpPoster logs = http.logs();
        byte[] bomb = OtlpTraces.gzip(new byte[32 * 1024 * 1024]);

        HttpResponse<byte[]> gzipBomb = logs.post(PROTOBUF, bomb, "Content-Encoding", "gzip");
        HttpResponse<byte[]> tooLarge = logs.post(PROTOBUF, new byte[2 * 1024 * 1024]);
        sink.fail(new TimeoutException("Expiring 2 record(s)"));
        HttpResponse<byte[]> failed = logs.post(PROTOBUF, OtlpLogs.request(2, 1).toByteArray());
        sink.hang();
        HttpResponse<byte[]> timedOut = logs.post(PROTOBUF, OtlpLogs.request(2, 2).toByteArray());
        HttpResponse<byte[]> refused = logs.post(PROTOBUF, OtlpLogs.request(2, 2).toByteArray());

        assertThat(gzipBomb.statusCode()).isEqualTo(413);
        assertThat(tooLarge.statusCode()).isEqualTo(413);
        assertThat(failed.statusCode()).isEqualTo(503);
        assertThat(failed.headers().firstValue("retry-after")).hasValue("7");
        assertThat(status(failed).getMessage())
                .isEqualTo("Kafka did not store the log records (TimeoutException: Expiring 2 record(s)); retry later");
        assertThat(timedOut.statusCode()).isEqualTo(503);
        assertThat(status(timedOut).getMessage())
                .isEqualTo("Kafka did not acknowledge the log records within 200 ms; retry later");
        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(refused.headers().firstValue("retry-after")).hasValue("7");
    }

    @Test
    void shouldAnswer401ForLogsWithoutAValidApiKeyAndTagTheTenantOfAValidOne() throws Exception {
        use(secured);
        byte[] body = OtlpLogs.request(1, 1).toByteArray();

        HttpResponse<byte[]> missing = http.logs().post(PROTOBUF, body);
        HttpResponse<byte[]> right = http.logs().post(PROTOBUF, body, "Authorization", "Bearer k-beta");

        assertThat(missing.statusCode()).isEqualTo(401);
        assertThat(missing.headers().firstValue("www-authenticate")).hasValue("Bearer");
        assertThat(right.statusCode()).isEqualTo(200);
        assertThat(sink.sent()).singleElement().satisfies(s -> assertThat(s.tenant()).isEqualTo("beta"));
    }

    @Test
    void shouldCountLogRecordsAcceptedAndWithoutTraceUnderTheirOwnNames() {
        String accepted = "{outcome=\"accepted\",protocol=\"http\",reason=\"none\"}";
        String malformed = "{outcome=\"rejected\",protocol=\"http\",reason=\"malformed\"}";
        Map<String, Double> before = metrics();

        http.logs().post(PROTOBUF, "garbage!".getBytes(StandardCharsets.UTF_8));
        http.logs().post(PROTOBUF, twoTracesOfLogsAndOneUntraced().toByteArray());

        Map<String, Double> after = metrics();
        for (Map.Entry<String, Double> expected : Map.of("ingest_logs_requests_total" + accepted, 1.0,
                "ingest_logs_records_total" + accepted, 4.0,
                "ingest_logs_records_without_trace_total{protocol=\"http\"}", 1.0,
                "ingest_logs_requests_total" + malformed, 1.0,
                "ingest_logs_bytes_total" + malformed, 8.0,
                "ingest_requests_total" + malformed, 0.0).entrySet()) {
            assertThat(after.getOrDefault(expected.getKey(), 0.0) - before.getOrDefault(expected.getKey(), 0.0))
                    .as(expected.getKey()).isEqualTo(expected.getValue());
        }
    }

    private LogsServiceGrpc.LogsServiceBlockingStub grpcLogs() {
        return stub(LogsServiceGrpc.LogsServiceBlockingStub.class);
    }

    @Test
    void shouldExportLogsOverGrpcWithTheTracesAnswers() throws Exception {

        ExportLogsServiceResponse ok = grpcLogs().withCompression("gzip").export(twoTracesOfLogsAndOneUntraced());
        sink.fail(new TimeoutException("Expiring 1 record(s)"));
        StatusRuntimeException unavailable = grpcError(() -> grpcLogs().export(OtlpLogs.request(1, 1)));
        use(secured);
        StatusRuntimeException unauthenticated = grpcError(() -> grpcLogs().export(OtlpLogs.request(1, 1)));
        use(strict);
        StatusRuntimeException tooLarge = grpcError(() -> grpcLogs().withCompression("gzip")
                .export(OtlpLogs.request(200, 10)));

        assertThat(ok.getPartialSuccess().getRejectedLogRecords()).isEqualTo(1);
        assertThat(defaults.sink.sent().get(0).signal()).isEqualTo(Signal.LOGS);
        assertThat(defaults.sink.sent().get(0).logs()).hasSize(2);
        assertThat(unavailable.getStatus().getCode()).isEqualTo(io.grpc.Status.Code.UNAVAILABLE);
        Status status = StatusProto.fromThrowable(unavailable);
        assertThat(status.getMessage())
                .isEqualTo("Kafka did not store the log records (TimeoutException: Expiring 1 record(s)); retry later");
        assertThat(status.getDetails(0).unpack(RetryInfo.class).getRetryDelay().getSeconds()).isEqualTo(5);
        assertThat(unauthenticated.getStatus().getCode()).isEqualTo(io.grpc.Status.Code.UNAUTHENTICATED);
        assertThat(tooLarge.getStatus().getCode()).isEqualTo(io.grpc.Status.Code.RESOURCE_EXHAUSTED);
        assertThat(strict.sink.sent()).isEmpty();
    }

    @Test
    void shouldAnswerInvalidArgumentOverGrpcForMalformedLogsNamingTheLogsRequest() {

        AggregatedHttpResponse response = garbageOverGrpc("/opentelemetry.proto.collector.logs.v1.LogsService/Export");

        assertThat(response.trailers().get("grpc-status", response.headers().get("grpc-status"))).isEqualTo("3");
        assertThat(response.trailers().get("grpc-message", response.headers().get("grpc-message")))
                .contains("ExportLogsServiceRequest");
        assertThat(sink.sent()).isEmpty();
    }
}
