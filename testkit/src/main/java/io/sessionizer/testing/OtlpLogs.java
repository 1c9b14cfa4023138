package io.sessionizer.testing;

import static io.sessionizer.testing.OtlpTraces.attribute;
import static io.sessionizer.testing.OtlpTraces.randomId;
import static io.sessionizer.testing.OtlpTraces.resource;
import static io.sessionizer.testing.OtlpTraces.scope;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import java.util.ArrayList;
import java.util.List;

/** The OTLP logs builder of all tests, beside {@link OtlpTraces}: log records, export requests, OTLP/JSON. */
public final class OtlpLogs {
    /** OTLP/JSON after the specification's example (opentelemetry-proto examples/logs.json): hex ids. */
    public static final String SPEC_EXAMPLE_JSON = """
            {
              "resourceLogs": [{
                "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "chat.service"}}]},
                "scopeLogs": [{
                  "scope": {"name": "chat.library", "version": "1.0.0"},
                  "logRecords": [{
                    "timeUnixNano": "1544712660300000000",
                    "observedTimeUnixNano": "1544712660300000000",
                    "severityNumber": 9,
                    "traceId": "5B8EFFF798038103D269B633813FC60C",
                    "spanId": "EEE19B7EC3C1B174",
                    "eventName": "gen_ai.user.message",
                    "body": {"stringValue": "Hello"},
                    "attributes": [{"key": "gen_ai.system", "value": {"stringValue": "openai"}}]
                  }, {
                    "timeUnixNano": "1544712660300000000",
                    "severityNumber": 9,
                    "body": {"stringValue": "a log line of no trace"}
                  }]
                }]
              }]
            }
            """;
    public static final String SPEC_EXAMPLE_TRACE_ID = "5b8efff798038103d269b633813fc60c";

    private OtlpLogs() {
    }

    /** A GenAI message event of {@code traceId} (empty for none) with a string body. */
    public static LogRecord logRecord(ByteString traceId, String body) {
        LogRecord.Builder record = LogRecord.newBuilder()
                .setTimeUnixNano(1_700_000_000_000_000_000L)
                .setEventName("gen_ai.user.message")
                .setBody(AnyValue.newBuilder().setStringValue(body))
                .addAttributes(attribute("gen_ai.system", "openai"));
        if (!traceId.isEmpty()) {
            record.setTraceId(traceId).setSpanId(randomId(8));
        }
        return record.build();
    }

    /** One resource and scope holding {@code recordsPerTrace} records of each of {@code traces} traces, interleaved. */
    public static ExportLogsServiceRequest request(int traces, int recordsPerTrace) {
        List<ByteString> traceIds = new ArrayList<>();
        for (int t = 0; t < traces; t++) {
            traceIds.add(randomId(16));
        }
        List<LogRecord> records = new ArrayList<>();
        for (int r = 0; r < recordsPerTrace; r++) {
            for (int t = 0; t < traces; t++) {
                records.add(logRecord(traceIds.get(t), "message-" + t + "-" + r));
            }
        }
        return request(records.toArray(LogRecord[]::new));
    }

    /** One export request with all records under the resource of {@code chat-app} and one scope. */
    public static ExportLogsServiceRequest request(LogRecord... records) {
        return ExportLogsServiceRequest.newBuilder()
                .addResourceLogs(ResourceLogs.newBuilder().setResource(resource("chat-app"))
                        .addScopeLogs(ScopeLogs.newBuilder().setScope(scope("test.scope"))
                                .addAllLogRecords(List.of(records))))
                .build();
    }

    /** All log records of a request, in order. */
    public static List<LogRecord> records(ExportLogsServiceRequest request) {
        List<LogRecord> records = new ArrayList<>();
        for (ResourceLogs rl : request.getResourceLogsList()) {
            for (ScopeLogs sl : rl.getScopeLogsList()) {
                records.addAll(sl.getLogRecordsList());
            }
        }
        return records;
    }
}
