package io.sessionizer.loadgen;

import com.google.protobuf.Message;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.sessionizer.loadgen.Latencies;
import io.sessionizer.loadgen.Traffic;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * Sends {@link Traffic} to an {@link OtlpSender}: exports of whole turns, at a target rate or as fast as the server
 * answers, with a bounded number of requests in flight, for a duration or a number of spans. Throughput and latency
 * count from the end of an optional warm-up; progress is reported at an interval.
 */
public final class LoadGenerator {
    /** How far a rate-limited sender that fell behind may catch up in one burst. */
    private static final long RATE_SLACK_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    /**
     * @param spansPerRequest spans of one export, rounded down to whole turns (at least one)
     * @param spansPerSecond target rate; 0 for as fast as possible
     * @param maxSpans stop after this many spans; {@code Long.MAX_VALUE} for no limit
     */
    public record Settings(int spansPerRequest, double spansPerSecond, int concurrency, Duration warmup,
            Duration duration, long maxSpans) {
        public Settings {
            if (spansPerRequest < 1 || concurrency < 1 || maxSpans < 1 || spansPerSecond < 0) {
                throw new IllegalArgumentException("Spans per request, concurrency and span count must be positive"
                        + " and the rate not negative");
            }
        }
    }

    private final OtlpSender sender;
    private final Traffic traffic;
    private final Settings settings;
    private final Signal signal;
    private volatile LoadStats measured;
    private volatile LoadStats window;
    private volatile boolean stopped;

    public LoadGenerator(OtlpSender sender, Traffic traffic, Settings settings) {
        this(sender, traffic, settings, Signal.TRACES);
    }

    /**
     * A load of {@code signal}: for {@link Signal#LOGS}, each export holds the GenAI events of the traces a traces
     * export would hold, and rate and counts are in log records instead of spans.
     */
    public LoadGenerator(OtlpSender sender, Traffic traffic, Settings settings, Signal signal) {
        this.sender = sender;
        this.traffic = traffic;
        this.settings = settings;
        this.signal = signal;
    }

    /** Ends a run early, as if its duration had passed; safe from any thread. */
    public void stop() {
        stopped = true;
    }

    /**
     * Sends until the duration (after the warm-up) passed, the span count was sent or {@link #stop()} was called,
     * then waits for the answers in flight.
     *
     * @param progress receives a line every {@code progressEvery}; {@code Duration.ZERO} for none
     */
    public LoadResult run(Consumer<String> progress, Duration progressEvery) throws InterruptedException {
        int spansPerTurn = signal.itemsPerTrace(traffic);
        int tracesPerRequest = Math.max(1, settings.spansPerRequest() / traffic.shape().spansPerTurn());
        Semaphore inFlight = new Semaphore(settings.concurrency());
        RateLimiter limiter = new RateLimiter(settings.spansPerSecond(), RATE_SLACK_NANOS, System::nanoTime);
        long begin = System.nanoTime();
        long measureFrom = begin + settings.warmup().toNanos();
        long end = measureFrom + settings.duration().toNanos();
        measured = new LoadStats(begin);
        window = new LoadStats(begin);
        ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "loadgen-progress");
            thread.setDaemon(true);
            return thread;
        });
        if (!settings.warmup().isZero()) {
            ticker.schedule(() -> {
                measured = new LoadStats(measureFrom);
            }, measureFrom - System.nanoTime(), TimeUnit.NANOSECONDS);
        }
        if (!progressEvery.isZero()) {
            ticker.scheduleAtFixedRate(() -> progress.accept(progressLine(begin, measureFrom, inFlight)),
                    progressEvery.toNanos(), progressEvery.toNanos(), TimeUnit.NANOSECONDS);
        }
        try {
            long trace = 0;
            long sent = 0;
            while (!stopped && sent < settings.maxSpans() && System.nanoTime() < end) {
                long remaining = settings.maxSpans() - sent;
                int traces = (int) Math.min(tracesPerRequest,
                        remaining / spansPerTurn + (remaining % spansPerTurn == 0 ? 0 : 1));
                Message request = signal.request(traffic, trace, traces, System.currentTimeMillis() * 1_000_000L);
                long spans = (long) traces * spansPerTurn;
                trace += traces;
                sent += spans;
                long wait = limiter.reserve(spans);
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                }
                if (!inFlight.tryAcquire(end - System.nanoTime(), TimeUnit.NANOSECONDS)) {
                    break;
                }
                send(request, spans, inFlight);
            }
            // Every answer arrives within the sender's timeout; the margin covers one that is being recorded.
            inFlight.tryAcquire(settings.concurrency(), 5, TimeUnit.MINUTES);
            return measured.result(System.nanoTime());
        } finally {
            ticker.shutdownNow();
        }
    }

    private void send(Message request, long spans, Semaphore inFlight) {
        long bytes = request.getSerializedSize();
        long sentAt = System.nanoTime();
        try {
            CompletableFuture<Long> answer = request instanceof ExportLogsServiceRequest logs
                    ? sender.sendLogs(logs, spans) : sender.send((ExportTraceServiceRequest) request, spans);
            answer.whenComplete((accepted, error) -> {
                long latency = System.nanoTime() - sentAt;
                for (LoadStats stats : new LoadStats[] {measured, window}) {
                    if (error == null) {
                        stats.accepted(accepted, spans, bytes, latency);
                    } else {
                        stats.failed(SendFailure.kindOf(error));
                    }
                }
                inFlight.release();
            });
        } catch (RuntimeException e) {
            measured.failed(SendFailure.kindOf(e));
            window.failed(SendFailure.kindOf(e));
            inFlight.release();
        }
    }

    /** One line on the last interval: its throughput and latency, the requests in flight and the errors so far. */
    private String progressLine(long begin, long measureFrom, Semaphore inFlight) {
        long now = System.nanoTime();
        LoadResult last = window.result(now);
        window = new LoadStats(now);
        Latencies.Summary latency = last.latency();
        return String.format(Locale.ROOT, "%6.0f s%s  %,9.0f %s/s  %6.1f MB/s  latency p50 %6.1f ms  p99 %7.1f ms"
                        + "  in flight %3d  errors %s",
                (now - begin) / 1e9, now < measureFrom ? " (warm-up)" : "", last.spansPerSecond(),
                signal == Signal.TRACES ? "spans" : "records",
                last.megabytesPerSecond(), latency.p50(), latency.p99(),
                settings.concurrency() - inFlight.availablePermits(),
                measured.errorCount() == 0 ? "0" : measured.result(now).describeErrors());
    }
}
