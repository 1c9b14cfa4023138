package io.sessionizer.ingest.pipeline;

/**
 * The two OTLP signals the ingest takes, each written one record per trace to its own topic, and the names of its
 * meters: the spans' are the ingest's first ones, the logs' all start with {@code ingest.logs}.
 */
public enum Signal {
    TRACES("spans", "ExportTraceServiceRequest", "ingest.requests", "ingest.bytes", "ingest.spans",
            "ingest.traces.split", "ingest.spans.truncated", "ingest.values.truncated", "ingest.span.items.dropped"),
    LOGS("log records", "ExportLogsServiceRequest", "ingest.logs.requests", "ingest.logs.bytes", "ingest.logs.records",
            "ingest.logs.traces.split", "ingest.logs.records.truncated", "ingest.logs.values.truncated",
            "ingest.logs.items.dropped");

    private final String items;
    private final String requestType;
    final String requestsMeter;
    final String bytesMeter;
    final String itemsMeter;
    final String splitMeter;
    final String truncatedItemsMeter;
    final String truncatedValuesMeter;
    final String droppedItemsMeter;

    Signal(String items, String requestType, String requestsMeter, String bytesMeter, String itemsMeter,
            String splitMeter, String truncatedItemsMeter, String truncatedValuesMeter, String droppedItemsMeter) {
        this.items = items;
        this.requestType = requestType;
        this.requestsMeter = requestsMeter;
        this.bytesMeter = bytesMeter;
        this.itemsMeter = itemsMeter;
        this.splitMeter = splitMeter;
        this.truncatedItemsMeter = truncatedItemsMeter;
        this.truncatedValuesMeter = truncatedValuesMeter;
        this.droppedItemsMeter = droppedItemsMeter;
    }

    /** What an export of this signal holds, for messages: "spans", "log records". */
    public String items() {
        return items;
    }

    /** The OTLP export request's message name, for messages. */
    public String requestType() {
        return requestType;
    }
}
