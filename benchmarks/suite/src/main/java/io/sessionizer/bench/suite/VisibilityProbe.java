package io.sessionizer.bench.suite;

import com.linecorp.armeria.common.AggregatedHttpResponse;
import io.sessionizer.cli.Poll;
import io.sessionizer.loadgen.Latencies;
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
import java.util.function.Predicate;

/**
 * What freshness probes share: at a fixed interval a probe writes something ({@link #send}), and from the moment the
 * write is acknowledged a GET is polled until its answer shows the write. The time from acknowledgement to that answer
 * is one sample; the poll interval bounds its resolution. A probe not seen within the give-up time counts as a sample
 * of that time, so that the percentiles of a stack that falls behind are lower bounds rather than the percentiles of
 * the few probes that made it. Each poll asks about the oldest probes not yet seen, at most {@value #MAX_POLLS} of
 * them, so that a stack that falls behind is not also flooded with polls.
 */
abstract class VisibilityProbe {
    static final int MAX_POLLS = 4;
    private static final Duration POLL_TIMEOUT = Duration.ofSeconds(10);

    private final ApiClient api;
    private final Duration interval;
    private final Duration poll;
    private final Duration giveUp;
    private final ScheduledExecutorService scheduler;
    private final ConcurrentLinkedQueue<Probe> acknowledged = new ConcurrentLinkedQueue<>();
    private final Latencies latencies = new Latencies();
    private final AtomicLong pending = new AtomicLong();
    private final AtomicLong missed = new AtomicLong();
    private volatile boolean stopped;

    /** A write acknowledged: the GET that shows it, how to tell, and when the acknowledgement came. */
    private record Probe(String path, Predicate<AggregatedHttpResponse> shows, long ackedAt) {
    }

    VisibilityProbe(ApiClient api, Duration interval, Duration poll, Duration giveUp, String threadName) {
        this.api = api;
        this.interval = interval;
        this.poll = poll;
        this.giveUp = giveUp;
        this.scheduler = Executors.newScheduledThreadPool(2, r -> {
            Thread thread = new Thread(r, threadName);
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Writes the next probe: calls {@link #sending}, then {@link #acknowledged} or {@link #failed} once answered. */
    abstract void send();

    void start() {
        scheduler.scheduleAtFixedRate(() -> {
            if (!stopped) {
                send();
            }
        }, 0, interval.toNanos(), TimeUnit.NANOSECONDS);
        scheduler.scheduleWithFixedDelay(this::pollOldest, poll.toNanos(), poll.toNanos(), TimeUnit.NANOSECONDS);
    }

    final void sending() {
        pending.incrementAndGet();
    }

    /** The write was acknowledged now: {@code path} is polled until {@code shows} holds for its answer. */
    final void acknowledged(String path, Predicate<AggregatedHttpResponse> shows) {
        acknowledged.add(new Probe(path, shows, System.nanoTime()));
    }

    final void failed() {
        pending.decrementAndGet();
    }

    /**
     * Sends no more probes, waits for those in flight to be seen or given up, and returns the acknowledgement-to-
     * visible times (a probe never seen counts as the give-up time).
     */
    final Latencies.Summary stopAndMeasure() throws InterruptedException {
        stopped = true;
        Poll.until(giveUp.plus(POLL_TIMEOUT), poll, () -> pending.get() == 0);
        scheduler.shutdownNow();
        for (Probe probe : acknowledged) {
            if (done(probe)) {
                latencies.record(giveUp.toNanos());
                missed.incrementAndGet();
            }
        }
        return latencies.summary();
    }

    /** Probes never seen within the give-up time. */
    final long missed() {
        return missed.get();
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
                if (error == null && probe.shows().test(response)) {
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
}
