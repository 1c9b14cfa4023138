package io.sessionizer.aggregator.topology;

import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.sessionizer.schemas.otlp.LogBatch;
import io.sessionizer.schemas.otlp.LogSplitter;
import io.sessionizer.schemas.otlp.TraceBatch;
import io.sessionizer.schemas.otlp.TraceSplitter;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.KeyValue;

/**
 * Brings {@code otlp_spans} records into the shape stage 1 needs: one trace per record, keyed by its hex trace id.
 * The ingest and the Collector's kafkaexporter ({@code partition_traces_by_id}) write that shape already; a record
 * with any other key (none, or another producer's) may hold several traces and sits on an arbitrary partition, so it
 * is split and re-keyed. The same holds for {@code otlp_logs}, whose log records join their trace by trace id.
 */
final class SpansByTrace {
    private SpansByTrace() {
    }

    /** True for a key of 32 lowercase hex digits: a record already keyed by its trace. */
    static boolean isTraceKey(String key) {
        if (key == null || key.length() != 32) {
            return false;
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return false;
            }
        }
        return true;
    }

    /** One record per trace of the request; spans with invalid ids are left out, as the ingest does. */
    static List<KeyValue<String, ExportTraceServiceRequest>> split(ExportTraceServiceRequest request) {
        List<TraceBatch> batches = TraceSplitter.split(request).batches();
        List<KeyValue<String, ExportTraceServiceRequest>> records = new ArrayList<>(batches.size());
        for (TraceBatch batch : batches) {
            records.add(KeyValue.pair(batch.traceId(), batch.request()));
        }
        return records;
    }

    /** One record per trace of the log records; records without a trace id join no turn and are left out. */
    static List<KeyValue<String, ExportLogsServiceRequest>> splitLogs(ExportLogsServiceRequest request) {
        List<LogBatch> batches = LogSplitter.split(request).batches();
        List<KeyValue<String, ExportLogsServiceRequest>> records = new ArrayList<>(batches.size());
        for (LogBatch batch : batches) {
            records.add(KeyValue.pair(batch.traceId(), batch.request()));
        }
        return records;
    }
}
