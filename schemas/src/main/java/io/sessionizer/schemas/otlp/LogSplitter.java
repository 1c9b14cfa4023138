package io.sessionizer.schemas.otlp;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Splits a logs export request into one request per trace, the record format of DESIGN.md's {@code otlp_logs}. Every
 * log record stays under a copy of its own resource and scope, schema URLs included, as {@link TraceSplitter} does.
 *
 * <p>A log record without a valid trace id (OTLP: 16 bytes, not all zero) belongs to no session; it is left out and
 * counted. That is not an error: most logs of an application are not GenAI events.
 */
public final class LogSplitter {
    private static final HexFormat HEX = HexFormat.of();

    private LogSplitter() {
    }

    public static LogSplitResult split(ExportLogsServiceRequest request) {
        Map<ByteString, LogRequestBuilder> traces = new LinkedHashMap<>();
        int accepted = 0;
        int withoutTrace = 0;
        for (int r = 0; r < request.getResourceLogsCount(); r++) {
            ResourceLogs resourceLogs = request.getResourceLogs(r);
            ResourceLogs resourceShell = null;
            for (int s = 0; s < resourceLogs.getScopeLogsCount(); s++) {
                ScopeLogs scopeLogs = resourceLogs.getScopeLogs(s);
                ScopeLogs scopeShell = null;
                for (LogRecord record : scopeLogs.getLogRecordsList()) {
                    if (!hasTraceId(record)) {
                        withoutTrace++;
                        continue;
                    }
                    // The shells copy everything but the children once per resource and scope, not once per record.
                    if (resourceShell == null) {
                        resourceShell = resourceLogs.toBuilder().clearScopeLogs().build();
                    }
                    if (scopeShell == null) {
                        scopeShell = scopeLogs.toBuilder().clearLogRecords().build();
                    }
                    traces.computeIfAbsent(record.getTraceId(), id -> new LogRequestBuilder())
                            .add(r, resourceShell, s, scopeShell, record);
                    accepted++;
                }
            }
        }
        List<LogBatch> batches = new ArrayList<>(traces.size());
        for (Map.Entry<ByteString, LogRequestBuilder> e : traces.entrySet()) {
            batches.add(e.getValue().build(HEX.formatHex(e.getKey().toByteArray())));
        }
        return new LogSplitResult(List.copyOf(batches), accepted, withoutTrace);
    }

    /** Whether the record carries a trace id that can key it: 16 bytes, not all zero. */
    public static boolean hasTraceId(LogRecord record) {
        ByteString traceId = record.getTraceId();
        if (traceId.size() != TraceSplitter.TRACE_ID_BYTES) {
            return false;
        }
        for (int i = 0; i < traceId.size(); i++) {
            if (traceId.byteAt(i) != 0) {
                return true;
            }
        }
        return false;
    }
}
