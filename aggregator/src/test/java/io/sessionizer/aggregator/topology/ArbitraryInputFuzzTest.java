package io.sessionizer.aggregator.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.common.v1.KeyValueList;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import io.sessionizer.aggregator.errors.DeadLetters;
import io.sessionizer.aggregator.state.SessionState;
import io.sessionizer.aggregator.state.TraceState;
import io.sessionizer.schemas.Turn;
import io.sessionizer.schemas.records.RecordContract;
import io.sessionizer.schemas.serde.AvroBinarySerde;
import io.sessionizer.testing.OtlpTraces;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Any input, of any shape and size, through the production topology: nothing escapes a processor, and no record
 * written to a topic or a store is larger than {@code record.max-bytes}. The fuzzer's bytes choose texts up to 1.5 MB
 * in any script, lists of thousands of attributes, nested values, retried and orphan spans, garbage, bad tenants and
 * keys; all inputs go through one driver, so that each meets the state the earlier ones left. In a plain build the
 * committed inputs run (regression mode); {@code JAZZER_FUZZ=1} searches for new ones.
 */
class ArbitraryInputFuzzTest {
    /**
     * Small limits, so that inputs reach them often; about the least record size these text and span limits allow with
     * the LLM and tool calls a trace may list and the annotations a turn lists.
     */
    private static final int MAX_RECORD_BYTES = 680 * 1024;
    private static final String[] KEYS = {"session.id", "gen_ai.conversation.id", "metadata", "input.value",
        "output.value", "input.mime_type", "output.mime_type", "openinference.span.kind", "gen_ai.operation.name",
        "llm.token_count.prompt", "llm.token_count.completion", "llm.token_count.total", "llm.cost.total",
        "llm.model_name", "gen_ai.request.model", "gen_ai.input.messages", "gen_ai.output.messages", "user.id",
        "llm.input_messages.0.message.role", "llm.input_messages.0.message.content",
        "llm.output_messages.7.message.content", "llm.input_messages.2147483647.message.content",
        "llm.input_messages.-1.message.role", "langsmith.metadata.thread_id", "service.name",
        "openinference.project.name"};
    private static final String[] SPAN_KINDS = {"LLM", "llm", "CHAIN", "TOOL", "chat"};
    private static final String[] JSON = {"{\"session_id\":\"s1\"}", "{\"thread_id\":",
        "[{\"role\":\"user\",\"parts\":[{\"type\":\"text\",\"content\":\"hi\"}]}]", "[[[[[[[[[[[[[[[[[[[[[[[[[[[["};

    private static Path stateDir;
    private static TopologyFixture topology;
    private static TestInputTopic<String, byte[]> spans;
    private static final List<TestOutputTopic<byte[], byte[]>> OUTPUTS = new ArrayList<>();
    private static TestOutputTopic<byte[], byte[]> dlq;

    @BeforeAll
    static void startDriver() throws IOException {
        stateDir = Files.createTempDirectory("arbitrary-input");
        topology = TopologyFixture.start(stateDir, Map.of(
                "application.id", "arbitrary-input",
                "record.max-bytes", Integer.toString(MAX_RECORD_BYTES),
                "turn.max-text-bytes", "32KiB",
                "trace.max-spans", "200",
                "trace.pending-max-spans", "100"));
        spans = topology.spans();
        for (String topic : List.of("sessions", "session-turns", "session-events")) {
            OUTPUTS.add(topology.raw(topic));
        }
        dlq = topology.deadLetters();
        OUTPUTS.add(dlq);
    }

    @AfterAll
    static void closeDriver() throws IOException {
        topology.close();
        Utils.delete(stateDir.toFile());
    }

    @FuzzTest(maxDuration = "5m")
    void shouldNeverFailAndNeverWriteARecordOverTheLimit(FuzzedDataProvider data) {
        boolean wellFormed = true;
        RecordHeaders headers = new RecordHeaders();
        switch (data.consumeInt(0, 2)) {
            case 1 -> headers.add(RecordContract.TENANT_HEADER, "acme".getBytes(StandardCharsets.UTF_8));
            case 2 -> {
                headers.add(RecordContract.TENANT_HEADER, data.consumeBytes(80));
                wellFormed = false;
            }
            default -> {
            }
        }
        String key;
        byte[] value;
        if (data.consumeInt(0, 9) == 0) {
            key = OtlpTraces.traceHex(1);
            value = data.consumeBytes(4096);
            wellFormed = false;
        } else {
            ExportTraceServiceRequest request = request(data);
            int keying = data.consumeInt(0, 2);
            key = keying == 0 ? firstTraceHex(request) : keying == 1 ? null : "not-a-trace-key";
            value = request.toByteArray();
        }
        TestRecord<String, byte[]> record = new TestRecord<>(key, value, headers);
        assertThatCode(() -> spans.pipeInput(record)).doesNotThrowAnyException();

        for (TestOutputTopic<byte[], byte[]> output : OUTPUTS) {
            for (TestRecord<byte[], byte[]> written : output.readRecordsToList()) {
                assertThat(size(written)).as("a record written").isLessThanOrEqualTo(MAX_RECORD_BYTES);
                if (output == dlq && wellFormed) {
                    Header reason = written.headers().lastHeader(DeadLetters.REASON_HEADER);
                    assertThat(new String(reason.value(), StandardCharsets.UTF_8))
                            .as("a well-formed input may only be refused for its size")
                            .contains("record.max-bytes");
                }
            }
        }
        assertStoreValuesFit(SessionTopology.SESSIONS_STORE, AvroBinarySerde.of(SessionState.class));
        assertStoreValuesFit(SessionTopology.TRACE_STATE_STORE, AvroBinarySerde.of(TraceState.class));
        assertStoreValuesFit(SessionTopology.TRANSCRIPTS_STORE, AvroBinarySerde.of(Turn.class));
    }

    private static <K, V extends SpecificRecord> void assertStoreValuesFit(String name, AvroBinarySerde<V> serde) {
        KeyValueStore<K, V> store = topology.store(name);
        try (KeyValueIterator<K, V> all = store.all()) {
            all.forEachRemaining(entry -> assertThat(serde.serializer().serialize(name, entry.value).length)
                    .as("a value in %s", name).isLessThanOrEqualTo(MAX_RECORD_BYTES));
        }
    }

    private static int size(TestRecord<byte[], byte[]> record) {
        int bytes = (record.key() == null ? 0 : record.key().length) + (record.value() == null ? 0
                : record.value().length);
        for (Header header : record.headers()) {
            bytes += header.key().length() + (header.value() == null ? 0 : header.value().length);
        }
        return bytes;
    }

    private static String firstTraceHex(ExportTraceServiceRequest request) {
        for (ResourceSpans resourceSpans : request.getResourceSpansList()) {
            for (ScopeSpans scopeSpans : resourceSpans.getScopeSpansList()) {
                for (Span span : scopeSpans.getSpansList()) {
                    if (span.getTraceId().size() == 16) {
                        return HexFormat.of().formatHex(span.getTraceId().toByteArray());
                    }
                }
            }
        }
        return OtlpTraces.traceHex(0);
    }

    private static ExportTraceServiceRequest request(FuzzedDataProvider data) {
        ScopeSpans.Builder scope = ScopeSpans.newBuilder();
        int count = data.consumeInt(0, 9) == 0 ? data.consumeInt(100, 400) : data.consumeInt(0, 8);
        for (int i = 0; i < count && data.remainingBytes() > 0; i++) {
            scope.addSpans(span(data));
        }
        return ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans.newBuilder()
                .setResource(Resource.newBuilder().addAllAttributes(attributes(data)))
                .addScopeSpans(scope)).build();
    }

    private static Span span(FuzzedDataProvider data) {
        int trace = data.consumeInt(0, 6);
        long id = data.consumeLong(0, 40);
        long parent = data.consumeLong(0, 40);
        Span.Builder span = Span.newBuilder()
                .setTraceId(trace == 0 ? ByteString.copyFromUtf8("short") : OtlpTraces.traceId(trace))
                .setSpanId(id == 0 ? ByteString.EMPTY : OtlpTraces.spanId(id))
                .setStartTimeUnixNano(data.consumeLong())
                .setEndTimeUnixNano(data.consumeLong())
                .setStatus(Status.newBuilder().setCodeValue(data.consumeInt(0, 3)))
                .addAllAttributes(attributes(data));
        if (parent != 0) {
            span.setParentSpanId(OtlpTraces.spanId(parent));
        }
        return span.build();
    }

    /** A few attributes with any values, or now and then thousands of short ones. */
    private static List<KeyValue> attributes(FuzzedDataProvider data) {
        List<KeyValue> attributes = new ArrayList<>();
        if (data.consumeInt(0, 20) == 0) {
            int count = data.consumeInt(1000, 5000);
            for (int i = 0; i < count; i++) {
                attributes.add(KeyValue.newBuilder().setKey(key(data))
                        .setValue(AnyValue.newBuilder().setStringValue(data.consumeString(20))).build());
            }
            return attributes;
        }
        int count = data.consumeInt(0, 12);
        for (int i = 0; i < count && data.remainingBytes() > 0; i++) {
            attributes.add(KeyValue.newBuilder().setKey(key(data)).setValue(value(data, 2)).build());
        }
        return attributes;
    }

    private static String key(FuzzedDataProvider data) {
        return data.consumeInt(0, 9) == 0 ? data.consumeString(40) : data.pickValue(KEYS);
    }

    private static AnyValue value(FuzzedDataProvider data, int depth) {
        AnyValue.Builder value = AnyValue.newBuilder();
        switch (data.consumeInt(0, depth > 0 ? 6 : 4)) {
            case 0 -> value.setIntValue(data.consumeLong());
            case 1 -> value.setDoubleValue(data.consumeDouble());
            case 2 -> value.setBoolValue(data.consumeBoolean());
            case 3 -> value.setBytesValue(ByteString.copyFrom(data.consumeBytes(64)));
            case 4 -> value.setStringValue(text(data));
            case 5 -> {
                ArrayValue.Builder array = ArrayValue.newBuilder();
                for (int i = data.consumeInt(0, 4); i > 0; i--) {
                    array.addValues(value(data, depth - 1));
                }
                value.setArrayValue(array);
            }
            default -> {
                KeyValueList.Builder map = KeyValueList.newBuilder();
                for (int i = data.consumeInt(0, 4); i > 0; i--) {
                    map.addValues(KeyValue.newBuilder().setKey(data.consumeString(8)).setValue(value(data,
                            depth - 1)));
                }
                value.setKvlistValue(map);
            }
        }
        return value.build();
    }

    /** Mostly short texts, JSON-ish ones and span kinds, and now and then one of up to 1.5 MB in any script. */
    private static String text(FuzzedDataProvider data) {
        return switch (data.consumeInt(0, 40)) {
            case 0, 1 -> data.consumeString(5).repeat(data.consumeInt(10_000, 300_000));
            case 2, 3, 4 -> data.pickValue(JSON);
            case 5, 6 -> data.pickValue(SPAN_KINDS);
            default -> data.consumeString(30);
        };
    }
}
