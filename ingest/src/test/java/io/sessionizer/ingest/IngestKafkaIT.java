package io.sessionizer.ingest;

import static io.sessionizer.ingest.HttpPoster.JSON;
import static io.sessionizer.ingest.HttpPoster.PROTOBUF;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.rpc.Status;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.exporter.internal.otlp.traces.TraceRequestMarshaler;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.sessionizer.config.Config;
import io.sessionizer.ingest.otlp.OtlpCodec;
import io.sessionizer.ingest.otlp.OtlpEncoding;
import io.sessionizer.schemas.otlp.SplitResult;
import io.sessionizer.schemas.otlp.TraceBatch;
import io.sessionizer.schemas.otlp.TraceFitter;
import io.sessionizer.schemas.otlp.TraceSplitter;
import io.sessionizer.schemas.records.RecordContract;
import io.sessionizer.testing.KafkaTestCluster;
import io.sessionizer.testing.OtlpTraces;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Ingest against a real broker: what clients send is what a plain consumer reads from the spans topic. */
class IngestKafkaIT {
    private static KafkaTestCluster kafka;
    private static String topic;
    private static IngestServer server;
    private static HttpPoster http;

    @BeforeAll
    static void start() {
        kafka = KafkaTestCluster.shared();
        topic = KafkaTestCluster.uniqueName("otlp_spans");
        kafka.createTopics(3, topic);
        server = IngestServer.start(config(topic));
        http = new HttpPoster(server.httpPort());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static Config config(String topic, String... settings) {
        Map<String, String> overrides = new HashMap<>(Map.of("http.port", "0", "grpc.port", "0",
                "topic.spans", topic, "readiness.interval", "500ms",
                "kafka.bootstrap.servers", kafka.bootstrapServers()));
        for (int i = 0; i < settings.length; i += 2) {
            overrides.put(settings[i], settings[i + 1]);
        }
        return Config.load(IngestSettings.all(), Map.of(), overrides);
    }

    private static Set<String> traceIds(ExportTraceServiceRequest request) {
        return TraceSplitter.split(request).batches().stream().map(TraceBatch::traceId).collect(Collectors.toSet());
    }

    /** Asserts that the topic holds exactly the per-trace split of {@code sent}, each record once. */
    private static List<ConsumerRecord<byte[], byte[]>> assertStoredExactly(ExportTraceServiceRequest sent,
            int copies) throws IOException {
        SplitResult expected = TraceSplitter.split(sent);
        List<ConsumerRecord<byte[], byte[]>> records = TopicReader.recordsWithKeys(kafka.bootstrapServers(), topic,
                traceIds(sent), expected.batches().size() * copies);
        assertThat(records).hasSize(expected.batches().size() * copies);
        Map<String, ExportTraceServiceRequest> byTrace = new HashMap<>();
        expected.batches().forEach(b -> byTrace.put(b.traceId(), b.request()));
        for (ConsumerRecord<byte[], byte[]> record : records) {
            String traceId = TopicReader.key(record);
            assertThat(traceId).matches("[0-9a-f]{32}");
            assertThat(ExportTraceServiceRequest.parseFrom(record.value())).isEqualTo(byTrace.get(traceId));
        }
        return records;
    }

    @Test
    void shouldWriteOneRecordPerTraceKeyedByItsHexTraceId() throws IOException {
        ExportTraceServiceRequest request = OtlpTraces.request(4, 3);

        HttpResponse<byte[]> response = http.post(PROTOBUF, request.toByteArray());

        assertThat(response.statusCode()).isEqualTo(200);
        List<ConsumerRecord<byte[], byte[]>> records = assertStoredExactly(request, 1);
        assertThat(records).extracting(TopicReader::key).doesNotHaveDuplicates();
        assertThat(records).allSatisfy(r -> assertThat(TopicReader.header(r, RecordContract.TENANT_HEADER))
                .isEqualTo("default"));
    }

    /** Reads back the records of one trace, as many as the fitter makes of it, each within the default budget. */
    private static List<io.opentelemetry.proto.trace.v1.Span> storedWithinOneMiB(ExportTraceServiceRequest sent)
            throws IOException {
        TraceBatch trace = TraceSplitter.split(sent).batches().get(0);
        int expectedRecords = TraceFitter.fit(trace, 960 * 1024).records().size();
        List<ConsumerRecord<byte[], byte[]>> records = TopicReader.recordsWithKeys(kafka.bootstrapServers(), topic,
                Set.of(trace.traceId()), expectedRecords);
        assertThat(records).hasSize(expectedRecords);
        List<io.opentelemetry.proto.trace.v1.Span> spans = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> record : records) {
            assertThat(record.serializedValueSize()).isLessThanOrEqualTo(960 * 1024);
            ExportTraceServiceRequest.parseFrom(record.value()).getResourceSpansList().forEach(r -> r
                    .getScopeSpansList().forEach(s -> spans.addAll(s.getSpansList())));
        }
        return spans;
    }

    private static Map<String, io.opentelemetry.proto.common.v1.AnyValue> attributes(
            io.opentelemetry.proto.trace.v1.Span span) {
        Map<String, io.opentelemetry.proto.common.v1.AnyValue> attributes = new HashMap<>();
        span.getAttributesList().forEach(kv -> attributes.put(kv.getKey(), kv.getValue()));
        return attributes;
    }

    @Test
    void shouldCutA15MiBValueSoThatEveryRecordFitsTheBrokersLimitAndAnswer200() throws IOException {
        // Random letters, so that lz4 cannot squeeze the record under the limit as it did before records were cut.
        java.util.Random random = new java.util.Random(7);
        char[] letters = new char[15 * 1000 * 1000];
        for (int i = 0; i < letters.length; i++) {
            letters[i] = (char) ('a' + random.nextInt(26));
        }
        String document = new String(letters);
        ExportTraceServiceRequest one = OtlpTraces.request(1, 3);
        io.opentelemetry.proto.trace.v1.Span first = one.getResourceSpans(0).getScopeSpans(0).getSpans(0);
        ExportTraceServiceRequest request = one.toBuilder().setResourceSpans(0, one.getResourceSpans(0).toBuilder()
                .setScopeSpans(0, one.getResourceSpans(0).getScopeSpans(0).toBuilder().setSpans(0, first.toBuilder()
                        .clearAttributes().addAttributes(OtlpTraces.attribute("session.id", "s-15mib"))
                        .addAttributes(OtlpTraces.attribute("input.value", document))))).build();
        assertThat(request.getSerializedSize()).isGreaterThan(14 << 20).isLessThan(16 << 20);

        HttpResponse<byte[]> response = http.post(PROTOBUF, request.toByteArray());

        assertThat(response.statusCode()).isEqualTo(200);
        List<io.opentelemetry.proto.trace.v1.Span> spans = storedWithinOneMiB(request);
        assertThat(spans).hasSize(3);
        Map<String, io.opentelemetry.proto.common.v1.AnyValue> cut = attributes(spans.stream()
                .filter(s -> s.getSpanId().equals(first.getSpanId())).findFirst().orElseThrow());
        assertThat(cut.get("sessionizer.truncated").getBoolValue()).isTrue();
        assertThat(cut.get("sessionizer.original_size.input.value").getIntValue()).isEqualTo(15_000_000);
        assertThat(document).startsWith(cut.get("input.value").getStringValue());
        assertThat(cut.get("input.value").getStringValue()).hasSizeGreaterThan(900_000);
        assertThat(cut.get("session.id").getStringValue()).isEqualTo("s-15mib");
        assertThat(metric("ingest_values_truncated_total")).isPositive();
    }

    @Test
    void shouldKeepASpanOf100000AttributesWithinTheLimitCountingWhatItDropped() throws IOException {
        ExportTraceServiceRequest one = OtlpTraces.request(1, 1);
        io.opentelemetry.proto.trace.v1.Span.Builder span = one.getResourceSpans(0).getScopeSpans(0).getSpans(0)
                .toBuilder().clearAttributes();
        for (int i = 0; i < 100_000; i++) {
            span.addAttributes(OtlpTraces.attribute("attribute." + i, "value number " + i));
        }
        span.addAttributes(OtlpTraces.attribute("session.id", "s-many"));
        ExportTraceServiceRequest request = one.toBuilder().setResourceSpans(0, one.getResourceSpans(0).toBuilder()
                .setScopeSpans(0, one.getResourceSpans(0).getScopeSpans(0).toBuilder().setSpans(0, span))).build();

        HttpResponse<byte[]> response = http.post(PROTOBUF, request.toByteArray());

        assertThat(response.statusCode()).isEqualTo(200);
        List<io.opentelemetry.proto.trace.v1.Span> spans = storedWithinOneMiB(request);
        assertThat(spans).singleElement().satisfies(stored -> {
            assertThat(stored.getSpanId()).isEqualTo(span.getSpanId());
            assertThat(stored.getDroppedAttributesCount()).isPositive();
            assertThat(attributes(stored).get("sessionizer.truncated").getBoolValue()).isTrue();
            assertThat(attributes(stored).get("session.id").getStringValue()).isEqualTo("s-many");
        });
        assertThat(metric("ingest_span_items_dropped_total")).isPositive();
    }

    /** The sum of a counter's samples in /metrics. */
    private static double metric(String name) {
        double sum = 0;
        for (String line : http.get("/metrics").body().split("\n")) {
            if (line.startsWith(name + "{")) {
                sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return sum;
    }

    @Test
    void shouldStoreTheSpecificationsOtlpJsonWithAndWithoutGzip() throws IOException {
        byte[] json = OtlpTraces.SPEC_EXAMPLE_JSON.getBytes(StandardCharsets.UTF_8);

        HttpResponse<byte[]> plain = http.post(JSON, json);
        HttpResponse<byte[]> gzipped = http.post(JSON, OtlpTraces.gzip(json), "Content-Encoding", "gzip");

        assertThat(plain.statusCode()).isEqualTo(200);
        assertThat(gzipped.statusCode()).isEqualTo(200);
        assertThat(new String(gzipped.body(), StandardCharsets.UTF_8)).isEqualTo("{}");
        assertStoredExactly(OtlpCodec.decode(json, OtlpEncoding.JSON), 2);
    }

    @Test
    void shouldAnswer400ForMalformedProtobufAndStillStoreValidDataSentAfter() throws IOException {
        HttpResponse<byte[]> bad = http.post(PROTOBUF, new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff});
        ExportTraceServiceRequest good = OtlpTraces.request(2, 2);
        HttpResponse<byte[]> ok = http.post(PROTOBUF, good.toByteArray());

        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(Status.parseFrom(bad.body()).getMessage())
                .startsWith("Malformed OTLP/protobuf ExportTraceServiceRequest: ");
        assertThat(ok.statusCode()).isEqualTo(200);
        assertStoredExactly(good, 1);
    }

    @Test
    void shouldStoreWhatTheSdkHttpExporterSends() throws IOException {
        List<SpanData> spans = sdkSpans("http-exporter");
        SpanExporter exporter = OtlpHttpSpanExporter.builder()
                .setEndpoint(http.base() + "/v1/traces").setTimeout(Duration.ofSeconds(20)).build();

        assertExported(exporter, spans);

        assertStoredExactly(sdkRequest(spans), 1);
    }

    @Test
    void shouldStoreWhatTheSdkGrpcExporterSendsWithGzip() throws IOException {
        List<SpanData> spans = sdkSpans("grpc-exporter");
        SpanExporter exporter = OtlpGrpcSpanExporter.builder().setEndpoint("http://127.0.0.1:" + server.grpcPort())
                .setCompression("gzip").setTimeout(Duration.ofSeconds(20)).build();

        assertExported(exporter, spans);

        assertStoredExactly(sdkRequest(spans), 1);
    }

    @Test
    void shouldStoreTheSdksOtlpJsonEncoding() throws IOException {
        List<SpanData> spans = sdkSpans("json");
        ByteArrayOutputStream json = new ByteArrayOutputStream();
        TraceRequestMarshaler.create(spans).writeJsonTo(json);

        HttpResponse<byte[]> response = http.post(JSON, json.toByteArray());

        assertThat(response.statusCode()).isEqualTo(200);
        assertStoredExactly(sdkRequest(spans), 1);
    }

    @Test
    void shouldTagEachRecordWithTheTenantOfItsApiKey() {
        String tenantTopic = KafkaTestCluster.uniqueName("otlp_spans");
        kafka.createTopics(1, tenantTopic);
        Config keys = config(tenantTopic, "auth.api-keys", "k-a=tenant-a,k-b=tenant-b");
        try (IngestServer secured = IngestServer.start(keys)) {
            HttpPoster poster = new HttpPoster(secured.httpPort());
            ExportTraceServiceRequest forA = OtlpTraces.request(1, 1);
            ExportTraceServiceRequest forB = OtlpTraces.request(1, 1);

            assertThat(poster.post(PROTOBUF, forA.toByteArray(), "Authorization", "Bearer k-a").statusCode())
                    .isEqualTo(200);
            assertThat(poster.post(PROTOBUF, forB.toByteArray(), "Authorization", "Bearer k-b").statusCode())
                    .isEqualTo(200);
            assertThat(poster.post(PROTOBUF, OtlpTraces.request(1, 1).toByteArray()).statusCode()).isEqualTo(401);

            String traceA = traceIds(forA).iterator().next();
            String traceB = traceIds(forB).iterator().next();
            List<ConsumerRecord<byte[], byte[]>> records =
                    TopicReader.recordsWithKeys(kafka.bootstrapServers(), tenantTopic, Set.of(traceA, traceB), 2);
            assertThat(records).hasSize(2);
            Map<String, String> tenants = new HashMap<>();
            records.forEach(r -> tenants.put(TopicReader.key(r), TopicReader.header(r, RecordContract.TENANT_HEADER)));
            assertThat(tenants).containsEntry(traceA, "tenant-a").containsEntry(traceB, "tenant-b");
        }
    }

    @Test
    void shouldBeReadyWhileKafkaIsReachable() {
        await().atMost(Duration.ofSeconds(20)).until(server::isReady);
        assertThat(http.get("/readyz").statusCode()).isEqualTo(200);
    }

    private static void assertExported(SpanExporter exporter, List<SpanData> spans) {
        try {
            CompletableResultCode result = exporter.export(spans).join(30, TimeUnit.SECONDS);
            assertThat(result.isSuccess()).as("export succeeded").isTrue();
        } finally {
            exporter.shutdown().join(10, TimeUnit.SECONDS);
        }
    }

    /** The request the SDK's exporters encode for these spans. */
    private static ExportTraceServiceRequest sdkRequest(List<SpanData> spans) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        TraceRequestMarshaler.create(spans).writeBinaryTo(out);
        return ExportTraceServiceRequest.parseFrom(out.toByteArray());
    }

    /** Two traces of an LLM app, three spans each, recorded by the real SDK. */
    private static List<SpanData> sdkSpans(String service) {
        List<SpanData> ended = new CopyOnWriteArrayList<>();
        SpanProcessor capture = new SpanProcessor() {
            @Override
            public void onStart(Context parentContext, ReadWriteSpan span) {
            }

            @Override
            public boolean isStartRequired() {
                return false;
            }

            @Override
            public void onEnd(ReadableSpan span) {
                ended.add(span.toSpanData());
            }

            @Override
            public boolean isEndRequired() {
                return true;
            }
        };
        try (SdkTracerProvider provider = SdkTracerProvider.builder()
                .setResource(Resource.getDefault().merge(Resource.create(Attributes.of(
                        AttributeKey.stringKey("service.name"), service))))
                .addSpanProcessor(capture)
                .build()) {
            Tracer tracer = provider.get("sessionizer-test", "1.0");
            for (int turn = 0; turn < 2; turn++) {
                Span root = tracer.spanBuilder("chat turn " + turn)
                        .setAttribute("session.id", "session-" + service)
                        .setAttribute("input.value", "question " + turn)
                        .startSpan();
                Context context = Context.current().with(root);
                tracer.spanBuilder("llm call").setParent(context).setAttribute("llm.token_count.total", 42L)
                        .startSpan().end();
                tracer.spanBuilder("tool call").setParent(context).startSpan().end();
                root.end();
            }
        }
        return new ArrayList<>(ended);
    }
}
