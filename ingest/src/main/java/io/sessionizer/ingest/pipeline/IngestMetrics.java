package io.sessionizer.ingest.pipeline;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.sessionizer.schemas.otlp.LogFitter;
import io.sessionizer.schemas.otlp.TraceFitter;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.function.ToLongFunction;

/**
 * The ingest meters, in Prometheus as {@code ingest_requests_total}, {@code ingest_spans_total},
 * {@code ingest_bytes_total} (each labelled {@code protocol}, {@code outcome} = accepted | rejected and
 * {@code reason}), {@code ingest_kafka_send_seconds} and {@code ingest_inflight_bytes}. Bytes are counted after
 * decompression. What was made to fit the record budget is counted in {@code ingest_traces_split_total} (traces
 * written as more than one record), {@code ingest_spans_truncated_total}, {@code ingest_values_truncated_total}
 * and {@code ingest_span_items_dropped_total} (attributes, events and links), each labelled {@code protocol}.
 *
 * <p>Logs have meters of their own, named alike under {@code ingest_logs_}: {@code ingest_logs_requests_total},
 * {@code ingest_logs_bytes_total}, {@code ingest_logs_records_total}, {@code ingest_logs_traces_split_total},
 * {@code ingest_logs_records_truncated_total}, {@code ingest_logs_values_truncated_total},
 * {@code ingest_logs_items_dropped_total}, and {@code ingest_logs_records_without_trace_total} (labelled
 * {@code protocol}) for the log records dropped because they carry no trace id.
 *
 * <p>Per tenant (label {@code tenant}; tenants come from the configured API keys, so they are few):
 * {@code ingest_tenant_spans_total} and {@code ingest_tenant_log_records_total} accepted,
 * {@code ingest_tenant_bytes_total} accepted (as received, the bytes {@code limits.bytes-per-second} counts),
 * {@code ingest_tenant_refused_total} by {@code reason} = spans_rate | bytes_rate | in_flight, and the gauge
 * {@code ingest_tenant_inflight_bytes}.
 */
public final class IngestMetrics {
    public static final String HTTP = "http";
    public static final String GRPC = "grpc";
    static final String INVALID_ID = "invalid_id";
    private static final String NONE = "none";

    private final MeterRegistry registry;
    private final Timer sendSuccess;
    private final Timer sendFailure;
    private final ConcurrentMap<String, TenantMeters> tenants = new ConcurrentHashMap<>();
    private volatile ToLongFunction<String> tenantInFlight = tenant -> 0;

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

    void accepted(Signal signal, String protocol, long bytes, int items) {
        count(signal, protocol, "accepted", NONE, bytes, items);
    }

    /** A whole request refused; {@code items} is zero when the payload could not be read. */
    public void rejected(Signal signal, String protocol, RejectReason reason, long bytes, int items) {
        count(signal, protocol, "rejected", reason.tag(), bytes, items);
    }

    void rejectedSpans(String protocol, int spans) {
        counter(Signal.TRACES.itemsMeter, "Spans received", protocol, "rejected", INVALID_ID).increment(spans);
    }

    /** Log records left out for carrying no trace id: not an error, most logs are not a trace's GenAI events. */
    void logRecordsWithoutTrace(String protocol, int records) {
        if (records > 0) {
            counter("ingest.logs.records.without.trace", "Log records dropped because they carry no trace id",
                    protocol).increment(records);
        }
    }

    /** Counts what {@link TraceFitter} split, cut or dropped; nothing for a trace that fitted as it was. */
    void fitted(String protocol, TraceFitter.Fitted fitted) {
        fitted(Signal.TRACES, protocol, fitted.records().size(), fitted.truncatedSpans(), fitted.truncatedValues(),
                fitted.droppedItems());
    }

    /** Counts what {@link LogFitter} split, cut or dropped; nothing for a trace that fitted as it was. */
    void fitted(String protocol, LogFitter.Fitted fitted) {
        fitted(Signal.LOGS, protocol, fitted.records().size(), fitted.truncatedRecords(), fitted.truncatedValues(),
                fitted.droppedItems());
    }

    private void fitted(Signal signal, String protocol, int records, int truncatedItems, int truncatedValues,
            int droppedItems) {
        if (records > 1) {
            counter(signal.splitMeter, "Traces written as several records to keep each within record.max-bytes",
                    protocol).increment();
        }
        if (truncatedItems > 0) {
            counter(signal.truncatedItemsMeter, "Spans or log records with a value cut or an attribute, event, link "
                    + "or body dropped to fit record.max-bytes", protocol).increment(truncatedItems);
        }
        if (truncatedValues > 0) {
            counter(signal.truncatedValuesMeter, "Attribute values and other texts cut to fit record.max-bytes",
                    protocol).increment(truncatedValues);
        }
        if (droppedItems > 0) {
            counter(signal.droppedItemsMeter, "Attributes, events, links or bodies dropped to fit record.max-bytes",
                    protocol).increment(droppedItems);
        }
    }

    private Counter counter(String name, String description, String protocol) {
        return Counter.builder(name).description(description).tag("protocol", protocol).register(registry);
    }

    /**
     * Where the gauge {@code ingest_tenant_inflight_bytes} reads a tenant's bytes in flight: the pipeline's in-flight
     * limiter, set once by the pipeline before any request.
     */
    void tenantInFlight(ToLongFunction<String> inFlight) {
        this.tenantInFlight = inFlight;
    }

    /**
     * The meters of one tenant, registered when it is first seen (its first request admitted or refused); tenants
     * come from the API keys, so they are few.
     */
    TenantMeters tenant(String tenant) {
        TenantMeters meters = tenants.get(tenant);
        return meters != null ? meters : tenants.computeIfAbsent(tenant, TenantMeters::new);
    }

    /**
     * The per-tenant meters, each registered once: the bytes counter and the in-flight gauge at once, the counters of
     * items and of refusals by reason when first counted, so that a tenant shows no series of what never happened.
     */
    final class TenantMeters {
        private final String tenant;
        private final Counter bytes;
        private final ConcurrentMap<Signal, Counter> items = new ConcurrentHashMap<>();
        private final ConcurrentMap<RejectReason, Counter> refused = new ConcurrentHashMap<>();

        TenantMeters(String tenant) {
            this.tenant = tenant;
            this.bytes = Counter.builder("ingest.tenant.bytes")
                    .description("Request bytes accepted per tenant, as received")
                    .baseUnit("bytes")
                    .tag("tenant", tenant)
                    .register(registry);
            Gauge.builder("ingest.tenant.inflight.bytes", this, m -> tenantInFlight.applyAsLong(m.tenant))
                    .description("Bytes of a tenant's requests accepted but not yet acknowledged by Kafka")
                    .baseUnit("bytes")
                    .tag("tenant", tenant)
                    .strongReference(true)
                    .register(registry);
        }

        /** What the tenant had accepted: {@code receivedBytes} as the limits count them, its spans or log records. */
        void accepted(Signal signal, long receivedBytes, int items) {
            bytes.increment(receivedBytes);
            if (items > 0) {
                items(signal).increment(items);
            }
        }

        /** A request of the tenant refused by its rate limits or its share of the in-flight budget. */
        void refused(RejectReason reason) {
            refusals(reason).increment();
        }

        private Counter items(Signal signal) {
            Counter counter = items.get(signal);
            return counter != null ? counter : items.computeIfAbsent(signal, s -> Counter
                    .builder(s == Signal.TRACES ? "ingest.tenant.spans" : "ingest.tenant.log.records")
                    .description(s == Signal.TRACES ? "Spans accepted per tenant" : "Log records accepted per tenant")
                    .tag("tenant", tenant).register(registry));
        }

        private Counter refusals(RejectReason reason) {
            Counter counter = refused.get(reason);
            return counter != null ? counter : refused.computeIfAbsent(reason, r -> Counter
                    .builder("ingest.tenant.refused")
                    .description("Requests refused per tenant: over its spans or bytes rate, or its in-flight share")
                    .tag("tenant", tenant)
                    .tag("reason", r == RejectReason.OVERLOADED ? "in_flight" : r.tag())
                    .register(registry));
        }
    }

    void sendLatency(long nanos, boolean success) {
        (success ? sendSuccess : sendFailure).record(nanos, TimeUnit.NANOSECONDS);
    }

    private void count(Signal signal, String protocol, String outcome, String reason, long bytes, int items) {
        counter(signal.requestsMeter, "Export requests received", protocol, outcome, reason).increment();
        counter(signal.bytesMeter, "Request bytes received, after decompression", protocol, outcome, reason)
                .increment(bytes);
        if (items > 0) {
            counter(signal.itemsMeter, signal == Signal.TRACES ? "Spans received" : "Log records received", protocol,
                    outcome, reason).increment(items);
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
