package io.sessionizer.bench.suite;

import com.linecorp.armeria.common.AggregatedHttpResponse;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.sessionizer.cli.Poll;
import io.sessionizer.loadgen.Latencies;
import io.sessionizer.loadgen.OtlpSender;
import io.sessionizer.loadgen.Traffic;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * End-to-end freshness: at a fixed interval, sends one turn of a new session over OTLP, and from the moment ingest
 * acknowledges it polls {@code GET /api/v1/sessions/{id}} until the session shows all the turn's spans. The time from
 * acknowledgement to the answer that shows them is one sample; the poll interval bounds its resolution. A probe not
 * seen within the give-up time counts as a sample of that time, so that the percentiles of a stack that falls behind
 * are lower bounds rather than the percentiles of the few probes that made it. Each poll asks about the oldest probes
 * not yet seen, at most {@value #MAX_POLLS} of them, so that a stack that falls behind is not also flooded with polls.
 */
final class FreshnessProbe {
    static final int MAX_POLLS = 4;
    private static final Duration POLL_TIMEOUT = Duration.ofSeconds(10);

    private final OtlpSender sender;
    private final ApiClient api;
    private final Traffic traffic;
    private final Duration interval;
    private final Duration poll;
    private final Duration giveUp;
    private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2, r -> {
        Thread thread = new Thread(r, "freshness-probe");
        thread.setDaemon(true);
        return thread;
    });
    private final ConcurrentLinkedQueue<Probe> acknowledged = new ConcurrentLinkedQueue<>();
    private final Latencies latencies = new Latencies();
    private final AtomicLong pending = new AtomicLong();
    private final AtomicLong missed = new AtomicLong();
    private final AtomicLong failedSends = new AtomicLong();
    private volatile boolean stopped;
    private long next;

    /**
     * What the probes saw: acknowledgement-to-visible times (a probe never seen counts as the give-up time), the
     * probes never seen, and those never acknowledged.
     */
    record Result(Latencies.Summary latency, long missed, long failedSends) {
    }

    /** A probe ingest acknowledged: where its session is read, and when. */
    private record Probe(String path, long ackedAt) {
    }

    /**
     * @param traffic one session of one turn per trace, e.g. shape (1, 1, 5): every probe is a session of its own
     * @param giveUp a probe not visible after this long counts as missed
     */
    FreshnessProbe(OtlpSender sender, ApiClient api, Traffic traffic, Duration interval, Duration poll,
            Duration giveUp) {
        this.sender = sender;
        this.api = api;
        this.traffic = traffic;
        this.interval = interval;
        this.poll = poll;
        this.giveUp = giveUp;
    }

    void start() {
        scheduler.scheduleAtFixedRate(this::send, 0, interval.toNanos(), TimeUnit.NANOSECONDS);
        scheduler.scheduleWithFixedDelay(this::pollOldest, poll.toNanos(), poll.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Sends no more probes, waits for those in flight to be seen or given up, and returns what was measured. */
    Result stop() throws InterruptedException {
        stopped = true;
        Poll.until(giveUp.plus(POLL_TIMEOUT), poll, () -> pending.get() == 0);
        scheduler.shutdownNow();
        for (Probe probe : acknowledged) {
            if (done(probe)) {
                latencies.record(giveUp.toNanos());
                missed.incrementAndGet();
            }
        }
        return new Result(latencies.summary(), missed.get(), failedSends.get());
    }

    private void send() {
        if (stopped) {
            return;
        }
        long trace = next++;
        String path = "/api/v1/sessions/" + traffic.sessionId(traffic.session(trace));
        long spans = traffic.shape().spansPerTurn();
        ExportTraceServiceRequest request = traffic.trace(trace, System.currentTimeMillis() * 1_000_000L);
        pending.incrementAndGet();
        sender.send(request, spans).whenComplete((accepted, error) -> {
            if (error != null || accepted < spans) {
                failedSends.incrementAndGet();
                pending.decrementAndGet();
            } else {
                acknowledged.add(new Probe(path, System.nanoTime()));
            }
        });
    }

    /** Asks about the oldest probes not yet seen and waits for the answers, so that polls never pile up. */
    private void pollOldest() {
        List<CompletableFuture<?>> answers = new ArrayList<>();
        for (Probe probe : acknowledged) {
            if (answers.size() == MAX_POLLS) {
                break;
            }
            answers.add(api.get(probe.path(), false).handle((response, error) -> {
                long now = System.nanoTime();
                if (error == null && shows(response, traffic.shape().spansPerTurn())) {
                    if (done(probe)) {
                        latencies.record(now - probe.ackedAt());
                    }
                } else if (now - probe.ackedAt() > giveUp.toNanos() && done(probe)) {
                    latencies.record(giveUp.toNanos());
                    missed.incrementAndGet();
                }
                return null;
            }));
        }
        try {
            CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new))
                    .get(POLL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // Each answer was handled above; a slow one is asked about again at the next poll.
        }
    }

    /** Takes a probe off the list; false when an earlier answer already did (a late answer to a timed-out poll). */
    private boolean done(Probe probe) {
        if (!acknowledged.remove(probe)) {
            return false;
        }
        pending.decrementAndGet();
        return true;
    }

    private static boolean shows(AggregatedHttpResponse response, long spans) {
        return response.status().code() == 200 && ApiClient.parse(response).path("span_count").asLong() >= spans;
    }
}
