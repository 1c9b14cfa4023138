package io.sessionizer.schemas.otlp;

import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;

/**
 * The request of one trace's log records, built in (resource, scope) order: a record either continues the last
 * scope or opens a new scope, possibly under a new resource, each a copy of the shell it came under.
 */
final class LogRequestBuilder {
    private final ExportLogsServiceRequest.Builder request = ExportLogsServiceRequest.newBuilder();
    private int records;
    private int resourceIndex = -1;
    private int scopeIndex = -1;
    private ResourceLogs.Builder resource;
    private ScopeLogs.Builder scope;

    /** Whether a record of resource {@code r} would open a new resource. */
    boolean opensResource(int r) {
        return r != resourceIndex;
    }

    /** Whether a record of resource {@code r}, scope {@code s} would open a new scope. */
    boolean opensScope(int r, int s) {
        return r != resourceIndex || s != scopeIndex;
    }

    void add(int r, ResourceLogs resourceShell, int s, ScopeLogs scopeShell, LogRecord record) {
        if (opensResource(r)) {
            resource = request.addResourceLogsBuilder().mergeFrom(resourceShell);
            resourceIndex = r;
            scopeIndex = -1;
        }
        if (s != scopeIndex) {
            scope = resource.addScopeLogsBuilder().mergeFrom(scopeShell);
            scopeIndex = s;
        }
        scope.addLogRecords(record);
        records++;
    }

    int records() {
        return records;
    }

    LogBatch build(String traceId) {
        return new LogBatch(traceId, request.build(), records);
    }
}
