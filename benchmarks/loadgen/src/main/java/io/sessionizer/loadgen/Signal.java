package io.sessionizer.loadgen;

import com.google.protobuf.Message;

/** What a load sends: trace exports (spans) or logs exports (the traces' GenAI events as log records). */
public enum Signal {
    TRACES,
    LOGS;

    /** Spans or log records of one trace of {@code traffic}. */
    public int itemsPerTrace(Traffic traffic) {
        return this == TRACES ? traffic.shape().spansPerTurn() : Traffic.LOG_RECORDS_PER_TRACE;
    }

    /** The export of traces {@code firstTrace} to {@code firstTrace + traces - 1}. */
    public Message request(Traffic traffic, long firstTrace, int traces, long startNanos) {
        return this == TRACES ? traffic.request(firstTrace, traces, startNanos)
                : traffic.logs(firstTrace, traces, startNanos);
    }
}
