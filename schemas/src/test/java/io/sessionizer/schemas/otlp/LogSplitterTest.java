package io.sessionizer.schemas.otlp;

import static io.sessionizer.testing.OtlpLogs.logRecord;
import static io.sessionizer.testing.OtlpLogs.records;
import static io.sessionizer.testing.OtlpTraces.hex;
import static io.sessionizer.testing.OtlpTraces.randomId;
import static io.sessionizer.testing.OtlpTraces.resource;
import static io.sessionizer.testing.OtlpTraces.scope;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import io.sessionizer.testing.OtlpLogs;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class LogSplitterTest {
    private final ByteString traceA = randomId(16);
    private final ByteString traceB = randomId(16);

    @Test
    void shouldPutEachTraceInItsOwnRequestKeyedByLowercaseHexTraceId() {
        ExportLogsServiceRequest request = OtlpLogs.request(3, 4);

        LogSplitResult result = LogSplitter.split(request);

        assertThat(result.batches()).hasSize(3);
        assertThat(result.acceptedRecords()).isEqualTo(12);
        assertThat(result.recordsWithoutTrace()).isZero();
        for (LogBatch batch : result.batches()) {
            assertThat(batch.traceId()).matches("[0-9a-f]{32}");
            assertThat(new String(batch.key(), StandardCharsets.UTF_8)).isEqualTo(batch.traceId());
            assertThat(batch.recordCount()).isEqualTo(4);
            assertThat(records(batch.request())).allSatisfy(r -> assertThat(hex(r.getTraceId()))
                    .isEqualTo(batch.traceId()));
        }
    }

    @Test
    void shouldKeepEveryRecordExactlyOnceAndInOrderWithTracesInFirstSeenOrder() {
        ExportLogsServiceRequest request = OtlpLogs.request(5, 3);

        LogSplitResult result = LogSplitter.split(request);

        List<LogRecord> all = records(request);
        assertThat(result.batches()).extracting(LogBatch::traceId)
                .containsExactlyElementsOf(all.stream().map(r -> hex(r.getTraceId())).distinct().toList());
        for (LogBatch batch : result.batches()) {
            assertThat(records(batch.request()))
                    .containsExactlyElementsOf(all.stream().filter(r -> hex(r.getTraceId()).equals(batch.traceId()))
                            .toList());
        }
    }

    @Test
    void shouldKeepResourceScopeAndSchemaUrlsOfEveryRecord() {
        ExportLogsServiceRequest request = ExportLogsServiceRequest.newBuilder()
                .addResourceLogs(ResourceLogs.newBuilder().setResource(resource("svc-1")).setSchemaUrl("r1")
                        .addScopeLogs(ScopeLogs.newBuilder().setScope(scope("lib-1")).setSchemaUrl("s1")
                                .addLogRecords(logRecord(traceA, "a1")).addLogRecords(logRecord(traceB, "b1")))
                        .addScopeLogs(ScopeLogs.newBuilder().setScope(scope("lib-2")).setSchemaUrl("s2")
                                .addLogRecords(logRecord(traceA, "a2"))))
                .addResourceLogs(ResourceLogs.newBuilder().setResource(resource("svc-2")).setSchemaUrl("r2")
                        .addScopeLogs(ScopeLogs.newBuilder().setScope(scope("lib-3")).setSchemaUrl("s3")
                                .addLogRecords(logRecord(traceA, "a3")).addLogRecords(logRecord(traceB, "b2"))))
                .build();

        LogSplitResult result = LogSplitter.split(request);

        assertThat(result.batches()).extracting(LogBatch::traceId).containsExactly(hex(traceA), hex(traceB));
        assertThat(result.batches().get(0).request()).isEqualTo(ExportLogsServiceRequest.newBuilder()
                .addResourceLogs(ResourceLogs.newBuilder().setResource(resource("svc-1")).setSchemaUrl("r1")
                        .addScopeLogs(ScopeLogs.newBuilder().setScope(scope("lib-1")).setSchemaUrl("s1")
                                .addLogRecords(request.getResourceLogs(0).getScopeLogs(0).getLogRecords(0)))
                        .addScopeLogs(ScopeLogs.newBuilder().setScope(scope("lib-2")).setSchemaUrl("s2")
                                .addLogRecords(request.getResourceLogs(0).getScopeLogs(1).getLogRecords(0))))
                .addResourceLogs(ResourceLogs.newBuilder().setResource(resource("svc-2")).setSchemaUrl("r2")
                        .addScopeLogs(ScopeLogs.newBuilder().setScope(scope("lib-3")).setSchemaUrl("s3")
                                .addLogRecords(request.getResourceLogs(1).getScopeLogs(0).getLogRecords(0))))
                .build());
        ExportLogsServiceRequest b = result.batches().get(1).request();
        assertThat(b.getResourceLogsList()).extracting(ResourceLogs::getResource, ResourceLogs::getSchemaUrl)
                .containsExactly(tuple(resource("svc-1"), "r1"), tuple(resource("svc-2"), "r2"));
        assertThat(b.getResourceLogs(0).getScopeLogsList()).extracting(ScopeLogs::getSchemaUrl).containsExactly("s1");
    }

    @Test
    void shouldLeaveOutAndCountRecordsWithoutAValidTraceId() {
        LogRecord good = logRecord(traceA, "good");
        ExportLogsServiceRequest request = OtlpLogs.request(
                logRecord(ByteString.EMPTY, "no trace"),
                good,
                logRecord(ByteString.copyFrom(new byte[16]), "zero trace id"),
                logRecord(randomId(8), "short trace id"),
                logRecord(randomId(17), "long trace id"));

        LogSplitResult result = LogSplitter.split(request);

        assertThat(result.acceptedRecords()).isEqualTo(1);
        assertThat(result.recordsWithoutTrace()).isEqualTo(4);
        assertThat(result.batches()).singleElement().satisfies(b -> assertThat(records(b.request()))
                .containsExactly(good));
    }

    @Test
    void shouldSplitAnExportWithoutTracedRecordsIntoNothing() {
        assertThat(LogSplitter.split(ExportLogsServiceRequest.getDefaultInstance()))
                .isEqualTo(new LogSplitResult(List.of(), 0, 0));
        assertThat(LogSplitter.split(OtlpLogs.request(logRecord(ByteString.EMPTY, "x"))))
                .isEqualTo(new LogSplitResult(List.of(), 0, 1));
    }

    @Test
    void shouldDropResourcesAndScopesWithoutTracedRecords() {
        ExportLogsServiceRequest request = ExportLogsServiceRequest.newBuilder()
                .addResourceLogs(ResourceLogs.newBuilder().setResource(resource("untraced"))
                        .addScopeLogs(ScopeLogs.newBuilder().addLogRecords(logRecord(ByteString.EMPTY, "x"))))
                .addResourceLogs(ResourceLogs.newBuilder().setResource(resource("svc"))
                        .addScopeLogs(ScopeLogs.newBuilder().setScope(scope("empty")))
                        .addScopeLogs(ScopeLogs.newBuilder().setScope(scope("lib"))
                                .addLogRecords(logRecord(traceA, "a"))))
                .build();

        ExportLogsServiceRequest only = LogSplitter.split(request).batches().get(0).request();

        assertThat(only.getResourceLogsList()).extracting(ResourceLogs::getResource).containsExactly(resource("svc"));
        assertThat(only.getResourceLogs(0).getScopeLogsList()).extracting(ScopeLogs::getScope)
                .containsExactly(scope("lib"));
    }
}
