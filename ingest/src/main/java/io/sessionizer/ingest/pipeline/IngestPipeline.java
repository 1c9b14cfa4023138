package io.sessionizer.ingest.pipeline;

import io.micrometer.core.instrument.Gauge;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.sessionizer.schemas.otlp.SplitResult;
import io.sessionizer.schemas.otlp.TraceBatch;
import io.sessionizer.schemas.otlp.TraceFitter;
import io.sessionizer.schemas.otlp.TraceSplitter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Stores one decoded export and says how it went. The returned future succeeds only after the sink acknowledged
 * every record; otherwise it fails with an {@link IngestException} within the send timeout, never later, so that a
 * client always gets a bounded, retryable answer (Jaeger v1 answered before the write and lost data).
 *
 * <p>Every record is at most {@code maxRecordBytes}: a larger trace is split over several records and a span too
 * large for one is cut ({@link TraceFitter}), counted, never refused.
 */
public final class IngestPipeline {
    private final TraceSink sink;
    private final IngestMetrics metrics;
    private final InFlightLimiter limiter;
    private final Duration sendTimeout;
    private final int maxRecordBytes;

    public IngestPipeline(TraceSink sink, IngestMetrics metrics, long maxInFlightBytes, Duration sendTimeout,
            int maxRecordBytes) {
        this.sink = sink;
        this.maxRecordBytes = maxRecordBytes;
        this.metrics = metrics;
        this.limiter = new InFlightLimiter(maxInFlightBytes);
        this.sendTimeout = sendTimeout;
        Gauge.builder("ingest.inflight.bytes", limiter, InFlightLimiter::inFlightBytes)
                .description("Bytes of requests accepted but not yet acknowledged by Kafka")
                .baseUnit("bytes")
                .register(metrics.registry());
    }

    /**
     * Splits the request per trace and stores it. Call it off the event loop: the sink may block while Kafka
     * metadata is missing.
     *
     * @param bytes the request's size after decompression, held against the in-flight limit until Kafka answers
     */
    public CompletableFuture<ExportResult> export(ExportTraceServiceRequest request, long bytes, String tenant,
            String protocol) {
        if (!limiter.tryAcquire(bytes)) {
            metrics.rejected(protocol, RejectReason.OVERLOADED, bytes, 0);
            return CompletableFuture.failedFuture(new IngestException(RejectReason.OVERLOADED,
                    "Too much data waiting for Kafka (limit " + limiter.maxBytes() + " bytes); retry later"));
        }
        SplitResult split = TraceSplitter.split(request);
        ExportResult result = new ExportResult(split.acceptedSpans(), split.rejectedSpans(), split.rejectionMessage());
        if (split.rejectedSpans() > 0) {
            metrics.rejectedSpans(protocol, split.rejectedSpans());
        }
        if (split.batches().isEmpty()) {
            limiter.release(bytes);
            metrics.accepted(protocol, bytes, 0);
            return CompletableFuture.completedFuture(result);
        }

        List<TraceBatch> records = fit(split.batches(), protocol);
        long start = System.nanoTime();
        CompletableFuture<Void> sent;
        try {
            sent = sink.send(records, tenant);
        } catch (RuntimeException e) {
            sent = CompletableFuture.failedFuture(e);
        }
        // The bytes stay reserved until the sink is done with them, even if the client was answered earlier.
        sent.whenComplete((ignored, error) -> {
            limiter.release(bytes);
            metrics.sendLatency(System.nanoTime() - start, error == null);
        });
        long remaining = Math.max(0, sendTimeout.toNanos() - (System.nanoTime() - start));
        return sent.copy().orTimeout(remaining, TimeUnit.NANOSECONDS).handle((ignored, error) -> {
            if (error == null) {
                metrics.accepted(protocol, bytes, split.acceptedSpans());
                return result;
            }
            IngestException failure = toIngestException(error);
            metrics.rejected(protocol, failure.reason(), bytes, split.acceptedSpans());
            throw new CompletionException(failure);
        });
    }

    private List<TraceBatch> fit(List<TraceBatch> traces, String protocol) {
        List<TraceBatch> records = new ArrayList<>(traces.size());
        for (TraceBatch trace : traces) {
            TraceFitter.Fitted fitted = TraceFitter.fit(trace, maxRecordBytes);
            records.addAll(fitted.records());
            metrics.fitted(protocol, fitted);
        }
        return records;
    }

    private IngestException toIngestException(Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (cause instanceof IngestException ingest) {
            return ingest;
        }
        if (cause instanceof TimeoutException) {
            return new IngestException(RejectReason.KAFKA_UNAVAILABLE,
                    "Kafka did not acknowledge the spans within " + sendTimeout.toMillis() + " ms; retry later", cause);
        }
        return new IngestException(RejectReason.KAFKA_UNAVAILABLE,
                "Kafka did not store the spans (" + cause.getClass().getSimpleName() + ": " + cause.getMessage()
                        + "); retry later", cause);
    }

    public long inFlightBytes() {
        return limiter.inFlightBytes();
    }
}
