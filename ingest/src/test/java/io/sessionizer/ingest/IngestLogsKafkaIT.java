package io.sessionizer.ingest;

import static io.sessionizer.ingest.HttpPoster.JSON;
import static io.sessionizer.ingest.HttpPoster.PROTOBUF;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.logs.Logger;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;
import io.opentelemetry.exporter.otlp.http.logs.OtlpHttpLogRecordExporter;
import io.opentelemetry.exporter.otlp.logs.OtlpGrpcLogRecordExporter;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.sdk.logs.SdkLoggerProvider;
import io.opentelemetry.sdk.logs.export.LogRecordExporter;
import io.opentelemetry.sdk.logs.export.SimpleLogRecordProcessor;
import io.opentelemetry.sdk.resources.Resource;
import io.sessionizer.config.Config;
import io.sessionizer.schemas.otlp.LogBatch;
import io.sessionizer.schemas.otlp.LogSplitter;
import io.sessionizer.schemas.records.RecordContract;
import io.sessionizer.testing.KafkaTestCluster;
import io.sessionizer.testing.OtlpLogs;
import io.sessionizer.testing.OtlpTraces;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Logs against a real broker: the log records of each trace are what a plain consumer reads from the logs topic. */
class IngestLogsKafkaIT {
    private static final int PARTITIONS = 3;
    private static KafkaTestCluster kafka;
    private static String spansTopic;
    private static String logsTopic;
    private static IngestServer server;
    private static HttpPoster http;

    @BeforeAll
    static void start() {
        kafka = KafkaTestCluster.shared();
        spansTopic = KafkaTestCluster.uniqueName("otlp_spans");
        logsTopic = KafkaTestCluster.uniqueName("otlp_logs");
        kafka.createTopics(PARTITIONS, spansTopic, logsTopic);
        server = IngestServer.start(config());
        http = new HttpPoster(server.httpPort()).logs();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static Config config(String... settings) {
        Map<String, String> overrides = new HashMap<>(Map.of("http.port", "0", "grpc.port", "0",
                "topic.spans", spansTopic, "topic.logs", logsTopic,
                "kafka.bootstrap.servers", kafka.bootstrapServers()));
        for (int i = 0; i < settings.length; i += 2) {
            overrides.put(settings[i], settings[i + 1]);
        }
        return Config.load(IngestSettings.all(), Map.of(), overrides);
    }

    /** Asserts that the logs topic holds exactly the per-trace split of {@code sent}, keyed by trace. */
    private static List<ConsumerRecord<byte[], byte[]>> assertStoredExactly(ExportLogsServiceRequest sent) {
        List<LogBatch> expected = LogSplitter.split(sent).batches();
        Map<String, ExportLogsServiceRequest> byTrace = expected.stream()
                .collect(Collectors.toMap(LogBatch::traceId, LogBatch::request));
        List<ConsumerRecord<byte[], byte[]>> records = TopicReader.recordsWithKeys(kafka.bootstrapServers(),
                logsTopic, byTrace.keySet(), expected.size());
        assertThat(records).hasSize(expected.size());
        for (ConsumerRecord<byte[], byte[]> record : records) {
            assertThat(TopicReader.key(record)).matches("[0-9a-f]{32}");
            assertThat(parse(record)).isEqualTo(byTrace.get(TopicReader.key(record)));
        }
        return records;
    }

    @Test
    void shouldWriteOneLogsRecordPerTraceKeyedByItsHexTraceIdAndDropRecordsWithoutTrace() {
        ExportLogsServiceRequest traced = OtlpLogs.request(4, 2);
        ExportLogsServiceRequest request = traced.toBuilder().addResourceLogs(OtlpLogs.request(
                OtlpLogs.logRecord(ByteString.EMPTY, "plain log line")).getResourceLogs(0)).build();

        HttpResponse<byte[]> response = http.post(PROTOBUF, request.toByteArray());

        assertThat(response.statusCode()).isEqualTo(200);
        List<ConsumerRecord<byte[], byte[]>> records = assertStoredExactly(request);
        assertThat(records).hasSize(4).allSatisfy(r -> assertThat(TopicReader.header(r, RecordContract.TENANT_HEADER))
                .isEqualTo("default"));
        assertThat(records.stream().flatMap(r -> parse(r).getResourceLogsList().stream()))
                .allSatisfy(r -> assertThat(r.getScopeLogsList()).allSatisfy(s -> assertThat(s.getLogRecordsList())
                        .allSatisfy(l -> assertThat(l.getTraceId()).hasSize(16))));
    }

    @Test
    void shouldStoreGzippedOtlpJsonAndPlaceEachTraceByItsKeyAsForSpans() {
        ExportLogsServiceRequest logs = OtlpLogs.request(6, 1);
        String json = OtlpLogs.SPEC_EXAMPLE_JSON;

        assertThat(http.post(PROTOBUF, logs.toByteArray()).statusCode()).isEqualTo(200);
        assertThat(http.post(JSON, OtlpTraces.gzip(json.getBytes(StandardCharsets.UTF_8)), "Content-Encoding", "gzip")
                .statusCode()).isEqualTo(200);

        List<ConsumerRecord<byte[], byte[]>> stored = assertStoredExactly(logs);
        // The default partitioner hashes the key alone, so a trace's spans and logs share a partition number.
        assertThat(stored).allSatisfy(r -> assertThat(r.partition())
                .isEqualTo(Utils.toPositive(Utils.murmur2(r.key())) % PARTITIONS));
        List<ConsumerRecord<byte[], byte[]>> spec = TopicReader.recordsWithKeys(kafka.bootstrapServers(), logsTopic,
                Set.of(OtlpLogs.SPEC_EXAMPLE_TRACE_ID), 1);
        LogRecord event = parse(spec.get(0)).getResourceLogs(0).getScopeLogs(0).getLogRecords(0);
        assertThat(event.getEventName()).isEqualTo("gen_ai.user.message");
        assertThat(event.getBody().getStringValue()).isEqualTo("Hello");
    }

    @Test
    void shouldCutALogRecordTooLargeForOneRecordAndAnswer200() {
        ExportLogsServiceRequest request = OtlpLogs.request(OtlpLogs.logRecord(OtlpTraces.traceId(77),
                "p".repeat(3 * 1024 * 1024)));

        assertThat(http.post(PROTOBUF, request.toByteArray()).statusCode()).isEqualTo(200);

        List<ConsumerRecord<byte[], byte[]>> records = TopicReader.recordsWithKeys(kafka.bootstrapServers(),
                logsTopic, Set.of(OtlpTraces.traceHex(77)), 1);
        assertThat(records).singleElement().satisfies(r -> {
            assertThat(r.serializedValueSize()).isLessThanOrEqualTo(960 * 1024);
            LogRecord cut = parse(r).getResourceLogs(0).getScopeLogs(0).getLogRecords(0);
            assertThat(cut.getBody().getStringValue()).startsWith("ppp");
            assertThat(cut.getAttributesList()).contains(OtlpTraces.attribute("sessionizer.truncated", true),
                    OtlpTraces.attribute("sessionizer.original_size.body", 3L * 1024 * 1024));
        });
    }

    @Test
    void shouldStoreWhatTheSdkHttpAndGrpcLogExportersSendInTheirTraceContext() {
        String httpTrace = OtlpTraces.traceHex(101);
        String grpcTrace = OtlpTraces.traceHex(102);

        export(OtlpHttpLogRecordExporter.builder().setEndpoint(http.base() + "/v1/logs")
                .setTimeout(Duration.ofSeconds(20)).build(), httpTrace);
        export(OtlpGrpcLogRecordExporter.builder().setEndpoint("http://127.0.0.1:" + server.grpcPort())
                .setCompression("gzip").setTimeout(Duration.ofSeconds(20)).build(), grpcTrace);

        List<ConsumerRecord<byte[], byte[]>> records = TopicReader.recordsWithKeys(kafka.bootstrapServers(),
                logsTopic, Set.of(httpTrace, grpcTrace), 2);
        Map<String, LogRecord> byTrace = new HashMap<>();
        records.forEach(r -> byTrace.put(TopicReader.key(r),
                parse(r).getResourceLogs(0).getScopeLogs(0).getLogRecords(0)));
        assertThat(byTrace).containsOnlyKeys(httpTrace, grpcTrace);
        assertThat(byTrace.get(grpcTrace).getEventName()).isEqualTo("gen_ai.choice");
        assertThat(byTrace.get(grpcTrace).getBody().getStringValue()).isEqualTo("the answer");
    }

    /** One GenAI event in the context of a span of {@code traceId}, and one log of no trace, through the SDK. */
    private static void export(LogRecordExporter exporter, String traceId) {
        SdkLoggerProvider provider = SdkLoggerProvider.builder()
                .setResource(Resource.create(io.opentelemetry.api.common.Attributes.of(
                        AttributeKey.stringKey("service.name"), "chat-app")))
                .addLogRecordProcessor(SimpleLogRecordProcessor.create(exporter)).build();
        try {
            Logger logger = provider.get("sdk-test");
            Context inSpan = Context.root().with(Span.wrap(SpanContext.create(traceId, "00f067aa0ba902b7",
                    TraceFlags.getSampled(), TraceState.getDefault())));
            logger.logRecordBuilder().setContext(inSpan).setEventName("gen_ai.choice").setBody("the answer")
                    .setAttribute(AttributeKey.stringKey("gen_ai.system"), "openai").emit();
            logger.logRecordBuilder().setContext(Context.root()).setBody("no trace").emit();
            assertThat(provider.forceFlush().join(20, TimeUnit.SECONDS).isSuccess()).isTrue();
        } finally {
            provider.shutdown().join(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void shouldTagEachLogsRecordWithTheTenantOfItsApiKey() {
        try (IngestServer secured = IngestServer.start(config("auth.api-keys", "k-a=tenant-a"))) {
            HttpPoster poster = new HttpPoster(secured.httpPort()).logs();
            ExportLogsServiceRequest request = OtlpLogs.request(1, 1);
            String traceId = LogSplitter.split(request).batches().get(0).traceId();

            assertThat(poster.post(PROTOBUF, request.toByteArray()).statusCode()).isEqualTo(401);
            assertThat(poster.post(PROTOBUF, request.toByteArray(), "Authorization", "Bearer k-a").statusCode())
                    .isEqualTo(200);

            List<ConsumerRecord<byte[], byte[]>> records = TopicReader.recordsWithKeys(kafka.bootstrapServers(),
                    logsTopic, Set.of(traceId), 1);
            assertThat(records).singleElement().satisfies(r -> assertThat(
                    TopicReader.header(r, RecordContract.TENANT_HEADER)).isEqualTo("tenant-a"));
        }
    }

    private static ExportLogsServiceRequest parse(ConsumerRecord<byte[], byte[]> record) {
        try {
            return ExportLogsServiceRequest.parseFrom(record.value());
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
