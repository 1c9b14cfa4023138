package io.sessionizer.schemas.otlp;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.common.v1.KeyValueList;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import java.util.ArrayList;
import java.util.List;

/**
 * {@link TraceFitter} for {@code otlp_logs}: makes every record of one trace's log records fit a byte budget. A
 * request that fits is returned as it is; a larger one is written as several records with the same key, each
 * under copies of its records' resource and scope. A log record that alone is too large has its longest texts cut
 * to a common cap (string and bytes values of the body, nested ones included, and of its attributes), marked as
 * spans are ({@value SpanCutter#TRUNCATED}, {@value SpanCutter#ORIGINAL_SIZE_PREFIX}{@code <key>}, the body's keys
 * named {@code body}, {@code body.<key>}, {@code body.<index>}); only when texts cut to 256 bytes are still too much
 * are attributes dropped (counted in {@code dropped_attributes_count}) and, last, the body itself.
 */
public final class LogFitter {
    /** Headroom for the three length-delimited wrappers around one record (tag plus five-byte length each). */
    private static final int WRAPPERS_BYTES = 3 * 6;
    /** The most one record can lengthen the length prefixes of its scope and resource. */
    private static final int PREFIX_GROWTH_BYTES = 2 * 5;
    private static final String BODY = "body";

    private LogFitter() {
    }

    /**
     * What became of one trace's log records.
     *
     * @param records one or more records of the trace, each at most the budget
     * @param truncatedRecords log records with a text cut, an attribute dropped or the body dropped
     * @param truncatedValues texts cut (body and attribute values; resources and scopes included)
     * @param droppedItems attributes and bodies dropped
     */
    public record Fitted(List<LogBatch> records, int truncatedRecords, int truncatedValues, int droppedItems) {
    }

    public static Fitted fit(LogBatch trace, int maxRecordBytes) {
        if (maxRecordBytes < TraceFitter.MIN_BUDGET) {
            throw new IllegalArgumentException("A record budget must be at least " + TraceFitter.MIN_BUDGET + " bytes");
        }
        ExportLogsServiceRequest request = trace.request();
        if (request.getSerializedSize() <= maxRecordBytes) {
            return new Fitted(List.of(trace), 0, 0, 0);
        }
        // A resource and a scope take at most a quarter of a record each, so a log record always has half of it.
        int shellBudget = maxRecordBytes / 4;
        Packer packer = new Packer(trace.traceId(), maxRecordBytes);
        SpanCutter.Cuts shellCuts = new SpanCutter.Cuts();
        for (int r = 0; r < request.getResourceLogsCount(); r++) {
            ResourceLogs resource = request.getResourceLogs(r);
            ResourceLogs resourceShell = fitShell(resource.toBuilder().clearScopeLogs().build(), shellBudget,
                    shellCuts);
            for (int s = 0; s < resource.getScopeLogsCount(); s++) {
                ScopeLogs scope = resource.getScopeLogs(s);
                packer.addScope(r, resourceShell, s,
                        fitShell(scope.toBuilder().clearLogRecords().build(), shellBudget, shellCuts),
                        scope.getLogRecordsList());
            }
        }
        return packer.finish(shellCuts);
    }

    /** Resources and scopes of logs and of spans share their wire format but for their children: one cutter fits both. */
    private static ResourceLogs fitShell(ResourceLogs shell, int maxBytes, SpanCutter.Cuts cuts) {
        return shell.getSerializedSize() <= maxBytes ? shell
                : reparse(ResourceLogs.parser(), SpanCutter.fit(reparse(ResourceSpans.parser(), shell), maxBytes, cuts));
    }

    private static ScopeLogs fitShell(ScopeLogs shell, int maxBytes, SpanCutter.Cuts cuts) {
        return shell.getSerializedSize() <= maxBytes ? shell
                : reparse(ScopeLogs.parser(), SpanCutter.fit(reparse(ScopeSpans.parser(), shell), maxBytes, cuts));
    }

    private static <T> T reparse(Parser<T> parser, MessageLite message) {
        try {
            return parser.parseFrom(message.toByteString());
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("The shells of logs and spans no longer share their wire format", e);
        }
    }

    /** The record itself when it fits in {@code maxBytes}, else a cut copy that does; {@code cuts} learns what. */
    static LogRecord fitRecord(LogRecord record, int maxBytes, SpanCutter.Cuts cuts) {
        if (record.getSerializedSize() <= maxBytes) {
            return record;
        }
        int longest = Math.max(Math.max(longestText(record.getBody()), record.getEventNameBytes().size()),
                Math.max(record.getSeverityTextBytes().size(),
                        record.getAttributesList().stream().mapToInt(SpanCutter::textSize).max().orElse(0)));
        if (longest > SpanCutter.MIN_CAP
                && cut(record, SpanCutter.MIN_CAP, new SpanCutter.Cuts()).getSerializedSize() <= maxBytes) {
            int cap = SpanCutter.largestCap(longest,
                    c -> cut(record, c, new SpanCutter.Cuts()).getSerializedSize() <= maxBytes);
            return cut(record, cap, cuts);
        }
        return drop(record, maxBytes, cuts);
    }

    /** Every text of the body and the attributes cut to {@code cap}, with the markers. */
    private static LogRecord cut(LogRecord record, int cap, SpanCutter.Cuts cuts) {
        LogRecord.Builder builder = record.toBuilder().clearAttributes();
        List<KeyValue> markers = new ArrayList<>();
        int before = cuts.values;
        cutFields(record, builder, cap, markers, cuts);
        for (KeyValue attribute : record.getAttributesList()) {
            builder.addAttributes(SpanCutter.cutValue(attribute, cap, markers, cuts));
        }
        if (cuts.values > before) {
            builder.addAllAttributes(markers).addAttributes(SpanCutter.truncatedMarker());
        }
        return builder.build();
    }

    /**
     * The body cut to {@value SpanCutter#MIN_CAP} (or dropped when even that leaves no room), then the attributes
     * kept in order of preference while they fit.
     */
    private static LogRecord drop(LogRecord record, int maxBytes, SpanCutter.Cuts cuts) {
        SpanCutter.Cuts local = new SpanCutter.Cuts();
        List<KeyValue> markers = new ArrayList<>();
        LogRecord.Builder builder = record.toBuilder().clearAttributes();
        cutFields(record, builder, SpanCutter.MIN_CAP, markers, local);
        builder.addAllAttributes(markers).addAttributes(SpanCutter.truncatedMarker());
        // Half the record for the body at most, so that the attributes the aggregator reads keep their room.
        if (builder.build().getSerializedSize() > maxBytes / 2) {
            int bodyMarkers = markers.size();
            markers.removeIf(kv -> kv.getKey().startsWith(SpanCutter.ORIGINAL_SIZE_PREFIX + BODY));
            local.values -= bodyMarkers - markers.size();
            markers.add(SpanCutter.originalSize(BODY, record.getBody().getSerializedSize()));
            builder.clearBody().clearAttributes().addAllAttributes(markers).addAttributes(SpanCutter.truncatedMarker());
            local.dropped++;
        }
        int room = maxBytes - builder.build().getSerializedSize() - 6;
        int[] dropped = new int[1];
        // fitAttributes adds a marker of its own only when it drops; the record already carries one.
        List<KeyValue> kept = SpanCutter.fitAttributes(record.getAttributesList(), room, local, dropped).stream()
                .filter(kv -> !kv.getKey().equals(SpanCutter.TRUNCATED)).toList();
        builder.addAllAttributes(kept).setDroppedAttributesCount(
                SpanCutter.saturatedAdd(record.getDroppedAttributesCount(), dropped[0]));
        cuts.add(local);
        return builder.build();
    }

    private static void cutFields(LogRecord record, LogRecord.Builder builder, int cap, List<KeyValue> markers,
            SpanCutter.Cuts cuts) {
        if (record.hasBody()) {
            builder.setBody(cutAny(record.getBody(), cap, BODY, markers, cuts));
        }
        builder.setEventNameBytes(cutAny(AnyValue.newBuilder().setStringValueBytes(record.getEventNameBytes()).build(),
                cap, "log.event_name", markers, cuts).getStringValueBytes());
        builder.setSeverityTextBytes(cutAny(AnyValue.newBuilder().setStringValueBytes(record.getSeverityTextBytes())
                .build(), cap, "log.severity_text", markers, cuts).getStringValueBytes());
    }

    /** The value with every string and bytes value in it longer than {@code cap} cut, each with its marker. */
    private static AnyValue cutAny(AnyValue value, int cap, String path, List<KeyValue> markers,
            SpanCutter.Cuts cuts) {
        switch (value.getValueCase()) {
            case STRING_VALUE -> {
                ByteString text = value.getStringValueBytes();
                if (text.size() <= cap) {
                    return value;
                }
                markers.add(SpanCutter.originalSize(path, text.size()));
                cuts.values++;
                return AnyValue.newBuilder().setStringValueBytes(SpanCutter.prefix(text, cap)).build();
            }
            case BYTES_VALUE -> {
                ByteString bytes = value.getBytesValue();
                if (bytes.size() <= cap) {
                    return value;
                }
                markers.add(SpanCutter.originalSize(path, bytes.size()));
                cuts.values++;
                return AnyValue.newBuilder().setBytesValue(bytes.substring(0, cap)).build();
            }
            case KVLIST_VALUE -> {
                KeyValueList.Builder list = KeyValueList.newBuilder();
                for (KeyValue kv : value.getKvlistValue().getValuesList()) {
                    list.addValues(kv.toBuilder().setValue(cutAny(kv.getValue(), cap, path + "." + kv.getKey(),
                            markers, cuts)));
                }
                return AnyValue.newBuilder().setKvlistValue(list).build();
            }
            case ARRAY_VALUE -> {
                ArrayValue.Builder array = ArrayValue.newBuilder();
                for (int i = 0; i < value.getArrayValue().getValuesCount(); i++) {
                    array.addValues(cutAny(value.getArrayValue().getValues(i), cap, path + "." + i, markers, cuts));
                }
                return AnyValue.newBuilder().setArrayValue(array).build();
            }
            default -> {
                return value;
            }
        }
    }

    private static int longestText(AnyValue value) {
        return switch (value.getValueCase()) {
            case STRING_VALUE -> value.getStringValueBytes().size();
            case BYTES_VALUE -> value.getBytesValue().size();
            case KVLIST_VALUE -> value.getKvlistValue().getValuesList().stream()
                    .mapToInt(kv -> longestText(kv.getValue())).max().orElse(0);
            case ARRAY_VALUE -> value.getArrayValue().getValuesList().stream()
                    .mapToInt(LogFitter::longestText).max().orElse(0);
            default -> 0;
        };
    }

    /**
     * Fills records in log record order. The size of the record being filled is bounded from above by its parts: a
     * record's field, the shells it opens and the most it can lengthen its scope's and resource's length prefixes.
     */
    private static final class Packer {
        private final String traceId;
        private final int maxBytes;
        private final List<LogBatch> records = new ArrayList<>();
        private final SpanCutter.Cuts recordCuts = new SpanCutter.Cuts();
        private int truncatedRecords;
        private LogRequestBuilder request = new LogRequestBuilder();
        private long bytes;

        Packer(String traceId, int maxBytes) {
            this.traceId = traceId;
            this.maxBytes = maxBytes;
        }

        /** Adds the records of one scope, each cut to what a record holds next to the two shells. */
        void addScope(int r, ResourceLogs resourceShell, int s, ScopeLogs scopeShell, List<LogRecord> logRecords) {
            int recordBudget = maxBytes - resourceShell.getSerializedSize() - scopeShell.getSerializedSize()
                    - WRAPPERS_BYTES - PREFIX_GROWTH_BYTES;
            for (LogRecord record : logRecords) {
                SpanCutter.Cuts cuts = new SpanCutter.Cuts();
                LogRecord fitted = fitRecord(record, recordBudget, cuts);
                if (cuts.any()) {
                    truncatedRecords++;
                    recordCuts.add(cuts);
                }
                add(r, resourceShell, s, scopeShell, fitted);
            }
        }

        private void add(int r, ResourceLogs resourceShell, int s, ScopeLogs scopeShell, LogRecord record) {
            if (request.records() > 0 && bytes + cost(r, resourceShell, s, scopeShell, record) > maxBytes) {
                records.add(request.build(traceId));
                request = new LogRequestBuilder();
                bytes = 0;
            }
            bytes += cost(r, resourceShell, s, scopeShell, record);
            request.add(r, resourceShell, s, scopeShell, record);
        }

        private long cost(int r, ResourceLogs resourceShell, int s, ScopeLogs scopeShell, LogRecord record) {
            long cost = SpanCutter.fieldSize(ScopeLogs.LOG_RECORDS_FIELD_NUMBER, record.getSerializedSize())
                    + PREFIX_GROWTH_BYTES;
            if (request.opensResource(r)) {
                cost += SpanCutter.fieldSize(ExportLogsServiceRequest.RESOURCE_LOGS_FIELD_NUMBER,
                        resourceShell.getSerializedSize());
            }
            if (request.opensScope(r, s)) {
                cost += SpanCutter.fieldSize(ResourceLogs.SCOPE_LOGS_FIELD_NUMBER, scopeShell.getSerializedSize());
            }
            return cost;
        }

        Fitted finish(SpanCutter.Cuts shellCuts) {
            if (request.records() > 0) {
                records.add(request.build(traceId));
            }
            return new Fitted(List.copyOf(records), truncatedRecords, recordCuts.values + shellCuts.values,
                    recordCuts.dropped + shellCuts.dropped);
        }
    }
}
