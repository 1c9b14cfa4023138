package io.sessionizer.ingest.pipeline;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.sessionizer.schemas.otlp.TraceFitter;
import java.util.concurrent.TimeUnit;

/**
 * The ingest meters, in Prometheus as {@code ingest_requests_total}, {@code ingest_spans_total},
 * {@code ingest_bytes_total} (each labelled {@code protocol}, {@code outcome} = accepted | rejected and
 * {@code reason}), {@code ingest_kafka_send_seconds} and {@code ingest_inflight_bytes}. Bytes are counted after
 * decompression. What was made to fit the record budget is counted in {@code ingest_traces_split_total} (traces
 * written as more than one record), {@code ingest_spans_truncated_total}, {@code ingest_values_truncated_total}
 * and {@code ingest_span_items_dropped_total} (attributes, events and links), each labelled {@code protocol}.
 */
public final class IngestMetrics {
    public static final String HTTP = "http";
    public static final String GRPC = "grpc";
    static final String INVALID_ID = "invalid_id";
    private static final String NONE = "none";

    private final MeterRegistry registry;
    private final Timer sendSuccess;
    private final Timer sendFailure;

    public IngestMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.sendSuccess = sendTimer(registry, "success");
        this.sendFailure = sendTimer(registry, "failure");
    }

    private static Timer sendTimer(MeterRegistry registry, String outcome) {
        return Timer.builder("ingest.kafka.send")
                .description("Time from handing a request's records to the producer until all were acknowledged")
                .tag("outcome", outcome)
                .publishPercentileHistogram()
                .register(registry);
    }

    public MeterRegistry registry() {
        return registry;
    }

    void accepted(String protocol, long bytes, int spans) {
        count(protocol, "accepted", NONE, bytes, spans);
    }

    /** A whole request refused; {@code spans} is zero when the payload could not be read. */
    public void rejected(String protocol, RejectReason reason, long bytes, int spans) {
        count(protocol, "rejected", reason.tag(), bytes, spans);
    }

    void rejectedSpans(String protocol, int spans) {
        counter("ingest.spans", "Spans received", protocol, "rejected", INVALID_ID).increment(spans);
    }

    /** Counts what {@link TraceFitter} split, cut or dropped; nothing for a trace that fitted as it was. */
    void fitted(String protocol, TraceFitter.Fitted fitted) {
        if (fitted.records().size() > 1) {
            counter("ingest.traces.split", "Traces written as several records to keep each within record.max-bytes",
                    protocol).increment();
        }
        if (fitted.truncatedSpans() > 0) {
            counter("ingest.spans.truncated", "Spans with a value cut or an attribute, event or link dropped to fit "
                    + "record.max-bytes", protocol).increment(fitted.truncatedSpans());
        }
        if (fitted.truncatedValues() > 0) {
            counter("ingest.values.truncated", "Attribute values and other texts cut to fit record.max-bytes",
                    protocol).increment(fitted.truncatedValues());
        }
        if (fitted.droppedItems() > 0) {
            counter("ingest.span.items.dropped", "Attributes, events and links dropped to fit record.max-bytes",
                    protocol).increment(fitted.droppedItems());
        }
    }

    private Counter counter(String name, String description, String protocol) {
        return Counter.builder(name).description(description).tag("protocol", protocol).register(registry);
    }

    void sendLatency(long nanos, boolean success) {
        (success ? sendSuccess : sendFailure).record(nanos, TimeUnit.NANOSECONDS);
    }

    private void count(String protocol, String outcome, String reason, long bytes, int spans) {
        counter("ingest.requests", "Export requests received", protocol, outcome, reason).increment();
        counter("ingest.bytes", "Request bytes received, after decompression", protocol, outcome, reason)
                .increment(bytes);
        if (spans > 0) {
            counter("ingest.spans", "Spans received", protocol, outcome, reason).increment(spans);
        }
    }

    private Counter counter(String name, String description, String protocol, String outcome, String reason) {
        return Counter.builder(name)
                .description(description)
                .tag("protocol", protocol)
                .tag("outcome", outcome)
                .tag("reason", reason)
                .register(registry);
    }
}
