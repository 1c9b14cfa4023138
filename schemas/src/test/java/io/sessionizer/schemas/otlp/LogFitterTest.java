package io.sessionizer.schemas.otlp;

import static io.sessionizer.testing.OtlpLogs.logRecord;
import static io.sessionizer.testing.OtlpLogs.records;
import static io.sessionizer.testing.OtlpTraces.attribute;
import static io.sessionizer.testing.OtlpTraces.randomId;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.common.v1.KeyValueList;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.sessionizer.testing.OtlpLogs;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LogFitterTest {
    private static final int BUDGET = 16 * 1024;
    private final ByteString trace = randomId(16);

    @Test
    void shouldKeepARequestThatFitsAsItIs() {
        LogBatch batch = only(OtlpLogs.request(logRecord(trace, "hello")));

        LogFitter.Fitted fitted = LogFitter.fit(batch, BUDGET);

        assertThat(fitted.records()).containsExactly(batch);
        assertThat(fitted.truncatedRecords()).isZero();
    }

    @Test
    void shouldSplitALargeTraceOverRecordsWithinTheBudgetKeepingEveryLogRecordInOrder() {
        List<LogRecord> all = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            all.add(logRecord(trace, "message " + i + " " + "x".repeat(400)));
        }
        LogBatch batch = only(OtlpLogs.request(all.toArray(LogRecord[]::new)));

        LogFitter.Fitted fitted = LogFitter.fit(batch, BUDGET);

        assertThat(fitted.records()).hasSizeGreaterThan(4).allSatisfy(r -> {
            assertThat(r.request().getSerializedSize()).isLessThanOrEqualTo(BUDGET);
            assertThat(r.traceId()).isEqualTo(batch.traceId());
            assertThat(r.recordCount()).isEqualTo(records(r.request()).size());
            assertThat(r.request().getResourceLogs(0).getResource())
                    .isEqualTo(batch.request().getResourceLogs(0).getResource());
        });
        assertThat(fitted.records().stream().flatMap(r -> records(r.request()).stream()).toList())
                .containsExactlyElementsOf(all);
        assertThat(fitted.truncatedRecords()).isZero();
    }

    @Test
    void shouldCutALongBodyToItsBeginningAndMarkIt() {
        String body = "é".repeat(20_000);
        LogBatch batch = only(OtlpLogs.request(logRecord(trace, body)));

        LogFitter.Fitted fitted = LogFitter.fit(batch, BUDGET);

        LogRecord cut = records(fitted.records().get(0).request()).get(0);
        assertThat(fitted.records()).singleElement()
                .satisfies(r -> assertThat(r.request().getSerializedSize()).isLessThanOrEqualTo(BUDGET));
        assertThat(body).startsWith(cut.getBody().getStringValue());
        assertThat(cut.getBody().getStringValue().length()).isGreaterThan(BUDGET / 4);
        assertThat(cut.getAttributesList()).contains(attribute("sessionizer.truncated", true),
                attribute("sessionizer.original_size.body", 40_000L), attribute("gen_ai.system", "openai"));
        assertThat(fitted.truncatedRecords()).isEqualTo(1);
        assertThat(fitted.truncatedValues()).isEqualTo(1);
    }

    @Test
    void shouldCutTheTextsNestedInAGenAiMessageBody() {
        AnyValue message = AnyValue.newBuilder().setKvlistValue(KeyValueList.newBuilder()
                .addValues(KeyValue.newBuilder().setKey("role").setValue(AnyValue.newBuilder().setStringValue("user")))
                .addValues(KeyValue.newBuilder().setKey("content")
                        .setValue(AnyValue.newBuilder().setStringValue("y".repeat(50_000)))))
                .build();
        LogBatch batch = only(OtlpLogs.request(logRecord(trace, "").toBuilder().setBody(message).build()));

        LogFitter.Fitted fitted = LogFitter.fit(batch, BUDGET);

        LogRecord cut = records(fitted.records().get(0).request()).get(0);
        assertThat(fitted.records().get(0).request().getSerializedSize()).isLessThanOrEqualTo(BUDGET);
        List<KeyValue> body = cut.getBody().getKvlistValue().getValuesList();
        assertThat(body.get(0).getValue().getStringValue()).isEqualTo("user");
        assertThat(body.get(1).getValue().getStringValue()).startsWith("yyy").hasSizeLessThan(BUDGET);
        assertThat(cut.getAttributesList()).contains(attribute("sessionizer.original_size.body.content", 50_000L));
    }

    @Test
    void shouldDropAttributesOnlyWhenCuttingIsNotEnoughKeepingThoseTheAggregatorReads() {
        LogRecord.Builder record = logRecord(trace, "hello").toBuilder();
        for (int i = 0; i < 5_000; i++) {
            record.addAttributes(attribute("noise." + i, "value " + i));
        }
        record.addAttributes(attribute("session.id", "s-1"));
        LogBatch batch = only(OtlpLogs.request(record.build()));

        LogFitter.Fitted fitted = LogFitter.fit(batch, BUDGET);

        LogRecord cut = records(fitted.records().get(0).request()).get(0);
        assertThat(fitted.records().get(0).request().getSerializedSize()).isLessThanOrEqualTo(BUDGET);
        assertThat(cut.getBody().getStringValue()).isEqualTo("hello");
        assertThat(cut.getAttributesList()).contains(attribute("session.id", "s-1"),
                attribute("gen_ai.system", "openai"), attribute("sessionizer.truncated", true));
        assertThat(cut.getDroppedAttributesCount()).isPositive().isEqualTo(fitted.droppedItems());
        assertThat(cut.getAttributesList().stream().filter(kv -> kv.getKey().equals("sessionizer.truncated")))
                .hasSize(1);
    }

    private LogBatch only(ExportLogsServiceRequest request) {
        return LogSplitter.split(request).batches().get(0);
    }
}
