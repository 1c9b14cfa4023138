package io.sessionizer.ingest.pipeline;

import com.linecorp.armeria.common.util.Exceptions;
import io.micrometer.core.instrument.Gauge;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.sessionizer.schemas.otlp.LogFitter;
import io.sessionizer.schemas.otlp.LogSplitResult;
import io.sessionizer.schemas.otlp.LogSplitter;
import io.sessionizer.schemas.otlp.OtlpBatch;
import io.sessionizer.schemas.otlp.SplitResult;
import io.sessionizer.schemas.otlp.TraceFitter;
import io.sessionizer.schemas.otlp.TraceSplitter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Stores one decoded export and says how it went. The returned future succeeds only after the sink acknowledged
 * every record; otherwise it fails with an {@link IngestException} within the send timeout, never later, so that a
 * client always gets a bounded, retryable answer (Jaeger v1 answered before the write and lost data).
 *
 * <p>Every record is at most {@code maxRecordBytes}: a larger trace is split over several records and a span or log
 * record too large for one is cut ({@link TraceFitter}, {@link LogFitter}), counted, never refused.
 *
 * <p>Before any work, a request must pass its tenant's rate limits ({@link TenantLimits}) and fit in its tenant's
 * share of the in-flight budget ({@link InFlightLimiter}); a refused request is answered at once, retryably, and
 * nothing of it reaches the sink.
 */
public final class IngestPipeline {
    private final TraceSink sink;
    private final IngestMetrics metrics;
    private final InFlightLimiter limiter;
    private final TenantLimits limits;
    private final Duration sendTimeout;
    private final int maxRecordBytes;
    private final Executor handOver;
    private volatile boolean draining;

    /**
     * @param limits the rate limits of each tenant, and the clock of the in-flight shares
     * @param shareHold how long a tenant refused for a full in-flight budget counts as sharing it: longer than its
     *     client waits before it retries
     * @param handOver runs the hand-over to the sink, which may block; an executor for blocking tasks
     */
    public IngestPipeline(TraceSink sink, IngestMetrics metrics, TenantLimits limits, long maxInFlightBytes,
            Duration shareHold, Duration sendTimeout, int maxRecordBytes, Executor handOver) {
        this.sink = sink;
        this.handOver = handOver;
        this.maxRecordBytes = maxRecordBytes;
        this.metrics = metrics;
        this.limits = limits;
        this.limiter = new InFlightLimiter(maxInFlightBytes, shareHold.toNanos(), limits::nanoTime);
        this.sendTimeout = sendTimeout;
        Gauge.builder("ingest.inflight.bytes", limiter, InFlightLimiter::inFlightBytes)
                .description("Bytes of requests accepted but not yet acknowledged by Kafka")
                .baseUnit("bytes")
                .register(metrics.registry());
        metrics.tenantInFlight(limiter::inFlightBytes);
    }

    /**
     * {@link #export(ExportTraceServiceRequest, long, long, String, String)} of a request received as decoded (gRPC
     * messages, whose compressed size Armeria does not tell): takes its bytes from the tenant's bytes rate first
     * ({@link #acquireBytesRate}), and a refusal fails the future.
     */
    public CompletableFuture<ExportResult> export(ExportTraceServiceRequest request, long bytes, String tenant,
            String protocol) {
        Optional<IngestException> overRate = acquireBytesRate(Signal.TRACES, bytes, tenant, protocol);
        return overRate.isPresent() ? CompletableFuture.failedFuture(overRate.get())
                : export(request, bytes, bytes, tenant, protocol);
    }

    /**
     * Splits the request per trace, fits it to the record budget and stores it; the answer comes within the send
     * timeout whatever the sink does.
     *
     * @param receivedBytes the request's size as received, already taken from the tenant's bytes rate by
     *     {@link #acquireBytesRate}; given back if the request is refused later
     * @param bytes the request's size after decompression, held against the in-flight limit until Kafka answers
     */
    public CompletableFuture<ExportResult> export(ExportTraceServiceRequest request, long receivedBytes, long bytes,
            String tenant, String protocol) {
        Cost cost = new Cost(receivedBytes, bytes, spans(request));
        return store(Signal.TRACES, cost, tenant, protocol, () -> {
            SplitResult split = TraceSplitter.split(request);
            if (split.rejectedSpans() > 0) {
                metrics.rejectedSpans(protocol, split.rejectedSpans());
            }
            List<OtlpBatch> records = fitEach(split.batches(), trace -> {
                TraceFitter.Fitted fitted = TraceFitter.fit(trace, maxRecordBytes);
                metrics.fitted(protocol, fitted);
                return fitted.records();
            });
            return new Prepared(records,
                    new ExportResult(split.acceptedSpans(), split.rejectedSpans(), split.rejectionMessage()));
        });
    }

    /**
     * {@link #exportLogs(ExportLogsServiceRequest, long, long, String, String)} of a request received as decoded,
     * its bytes taken first like {@link #export(ExportTraceServiceRequest, long, String, String)}'s.
     */
    public CompletableFuture<ExportResult> exportLogs(ExportLogsServiceRequest request, long bytes, String tenant,
            String protocol) {
        Optional<IngestException> overRate = acquireBytesRate(Signal.LOGS, bytes, tenant, protocol);
        return overRate.isPresent() ? CompletableFuture.failedFuture(overRate.get())
                : exportLogs(request, bytes, bytes, tenant, protocol);
    }

    /**
     * {@link #export} for logs: the log records of each trace go to the logs topic; those without a trace id are
     * counted and dropped, which is no error ({@link ExportResult#rejected()} says how many). Log records count
     * against the tenant's bytes rate only.
     */
    public CompletableFuture<ExportResult> exportLogs(ExportLogsServiceRequest request, long receivedBytes, long bytes,
            String tenant, String protocol) {
        return store(Signal.LOGS, new Cost(receivedBytes, bytes, 0), tenant, protocol, () -> {
            LogSplitResult split = LogSplitter.split(request);
            metrics.logRecordsWithoutTrace(protocol, split.recordsWithoutTrace());
            List<OtlpBatch> records = fitEach(split.batches(), trace -> {
                LogFitter.Fitted fitted = LogFitter.fit(trace, maxRecordBytes);
                metrics.fitted(protocol, fitted);
                return fitted.records();
            });
            return new Prepared(records, new ExportResult(split.acceptedRecords(), split.recordsWithoutTrace(), null));
        });
    }

    /**
     * Takes {@code receivedBytes} from the tenant's bytes rate, once per request and before it is decompressed and
     * decoded, or refuses it at once; a refusal is counted like every refusal. The export of a request that passed
     * takes only its spans, and gives the bytes back if it refuses the request.
     */
    public Optional<IngestException> acquireBytesRate(Signal signal, long receivedBytes, String tenant,
            String protocol) {
        return limits.tryAcquireBytes(tenant, receivedBytes).map(refusal -> {
            IngestException e = new IngestException(refusal.reason(), refusal.message(), refusal.retryAfter());
            metrics.rejected(signal, protocol, e.reason(), receivedBytes, 0);
            metrics.tenant(tenant).refused(e.reason());
            return e;
        });
    }

    /** The records of every trace, each trace fitted to the record budget by {@code fit}. */
    private static <B> List<OtlpBatch> fitEach(List<B> traces, Function<B, List<? extends OtlpBatch>> fit) {
        List<OtlpBatch> records = new ArrayList<>(traces.size());
        for (B trace : traces) {
            records.addAll(fit.apply(trace));
        }
        return records;
    }

    private static long spans(ExportTraceServiceRequest request) {
        long spans = 0;
        for (ResourceSpans resource : request.getResourceSpansList()) {
            for (ScopeSpans scope : resource.getScopeSpansList()) {
                spans += scope.getSpansCount();
            }
        }
        return spans;
    }

    /** The records of one export, fitted to the budget, and the answer once they are stored. */
    private record Prepared(List<OtlpBatch> records, ExportResult result) {
    }

    /** What a request costs: bytes as received and spans (the rates), bytes decompressed (the in-flight budget). */
    private record Cost(long receivedBytes, long bytes, long spans) {
    }

    private CompletableFuture<ExportResult> store(Signal signal, Cost cost, String tenant, String protocol,
            Supplier<Prepared> prepare) {
        long bytes = cost.bytes();
        if (draining) {
            limits.release(tenant, cost.receivedBytes(), 0);
            metrics.rejected(signal, protocol, RejectReason.KAFKA_UNAVAILABLE, bytes, 0);
            return CompletableFuture.failedFuture(new IngestException(RejectReason.KAFKA_UNAVAILABLE,
                    "The ingest is stopping; retry later"));
        }
        // The bytes were taken by acquireBytesRate; a refusal from here on gives them back.
        Optional<TenantLimits.Refusal> overRate = limits.tryAcquireSpans(tenant, cost.spans());
        if (overRate.isPresent()) {
            limits.release(tenant, cost.receivedBytes(), 0);
            TenantLimits.Refusal refusal = overRate.get();
            return refused(signal, protocol, tenant, bytes, new IngestException(refusal.reason(), refusal.message(),
                    refusal.retryAfter()));
        }
        InFlightLimiter.Admission room = limiter.tryAcquire(tenant, bytes);
        if (room.outcome() != InFlightLimiter.Outcome.ADMITTED) {
            // Not taken on: the client sends it again later, and pays for it then.
            limits.release(tenant, cost.receivedBytes(), cost.spans());
            return refused(signal, protocol, tenant, bytes, new IngestException(RejectReason.OVERLOADED,
                    room.outcome() == InFlightLimiter.Outcome.OVER_SHARE
                            ? "Tenant '" + tenant + "' holds its share of the data waiting for Kafka ("
                                    + room.share() + " of " + limiter.maxBytes() + " bytes); retry later"
                            : "Too much data waiting for Kafka (limit " + limiter.maxBytes()
                                    + " bytes); retry later"));
        }
        // Registers the tenant's in-flight gauge, if this is its first request, while its bytes are in flight.
        IngestMetrics.TenantMeters tenantMeters = metrics.tenant(tenant);
        Prepared prepared;
        try {
            prepared = prepare.get();
        } catch (RuntimeException e) {
            limiter.release(tenant, bytes);
            throw e;
        }
        ExportResult result = prepared.result();
        if (prepared.records().isEmpty()) {
            limiter.release(tenant, bytes);
            metrics.accepted(signal, protocol, bytes, 0);
            tenantMeters.accepted(signal, cost.receivedBytes(), 0);
            return CompletableFuture.completedFuture(result);
        }

        long start = System.nanoTime();
        // The answer's deadline is armed before the hand-over, which may block (Kafka metadata, a full buffer) and so
        // runs on its own executor: the client is answered when the deadline passes even while the sink still waits.
        CompletableFuture<Void> sent = new CompletableFuture<>();
        CompletableFuture<ExportResult> answer = sent.copy().orTimeout(sendTimeout.toNanos(), TimeUnit.NANOSECONDS)
                .handle((ignored, error) -> {
                    if (error == null) {
                        metrics.accepted(signal, protocol, bytes, result.accepted());
                        tenantMeters.accepted(signal, cost.receivedBytes(), result.accepted());
                        return result;
                    }
                    IngestException failure = toIngestException(signal, error);
                    metrics.rejected(signal, protocol, failure.reason(), bytes, result.accepted());
                    throw new CompletionException(failure);
                });
        // The bytes stay reserved until the sink is done with them, even if the client was answered earlier.
        sent.whenComplete((ignored, error) -> {
            limiter.release(tenant, bytes);
            metrics.sendLatency(System.nanoTime() - start, error == null);
        });
        try {
            handOver.execute(() -> handOver(signal, prepared.records(), tenant, sent, answer));
        } catch (RejectedExecutionException e) {
            sent.completeExceptionally(e);
        }
        return answer;
    }

    private void handOver(Signal signal, List<OtlpBatch> records, String tenant, CompletableFuture<Void> sent,
            CompletableFuture<ExportResult> answer) {
        if (answer.isDone()) {
            // The client was already told to retry: storing the records now would only make duplicates.
            sent.completeExceptionally(new TimeoutException("not handed to Kafka before the send timeout"));
            return;
        }
        try {
            sink.send(signal, records, tenant).whenComplete((ignored, error) -> {
                if (error == null) {
                    sent.complete(null);
                } else {
                    sent.completeExceptionally(error);
                }
            });
        } catch (RuntimeException e) {
            sent.completeExceptionally(e);
        }
    }

    private CompletableFuture<ExportResult> refused(Signal signal, String protocol, String tenant, long bytes,
            IngestException refusal) {
        metrics.rejected(signal, protocol, refusal.reason(), bytes, 0);
        metrics.tenant(tenant).refused(refusal.reason());
        return CompletableFuture.failedFuture(refusal);
    }

    /**
     * From now on every export is refused at once with a retryable 503 / UNAVAILABLE, so that a stopping instance
     * answers what it is still sent within the send timeout instead of taking it on.
     */
    public void drain() {
        draining = true;
    }

    private IngestException toIngestException(Signal signal, Throwable error) {
        Throwable cause = Exceptions.peel(error);
        if (cause instanceof IngestException ingest) {
            return ingest;
        }
        if (cause instanceof TimeoutException) {
            return new IngestException(RejectReason.KAFKA_UNAVAILABLE,
                    "Kafka did not acknowledge the " + signal.items() + " within " + sendTimeout.toMillis() + " ms; retry later", cause);
        }
        return new IngestException(RejectReason.KAFKA_UNAVAILABLE,
                "Kafka did not store the " + signal.items() + " (" + cause.getClass().getSimpleName() + ": " + cause.getMessage()
                        + "); retry later", cause);
    }

    public long inFlightBytes() {
        return limiter.inFlightBytes();
    }
}
