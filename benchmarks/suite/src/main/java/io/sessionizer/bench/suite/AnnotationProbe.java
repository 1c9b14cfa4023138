package io.sessionizer.bench.suite;

import com.fasterxml.jackson.databind.JsonNode;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import io.sessionizer.cli.Poll;
import io.sessionizer.loadgen.Latencies;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
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
import java.util.function.LongFunction;

/**
 * Annotation freshness: at a fixed interval, annotates one stored session through
 * {@code POST /api/v1/sessions/{id}/annotations} with a label of its own, and from the 202 polls the list filtered
 * on that label ({@code GET /api/v1/sessions?annotation.bench.label=}) until the session is listed. The time from the
 * 202 to that answer is one sample: the way through {@code session-annotations}, stage 2's fold and the session
 * index's refresh. The POST's own time (to the record on the topic with acks=all) is measured too. A probe not seen
 * within the give-up time counts as that time, as in {@link FreshnessProbe}.
 */
final class AnnotationProbe {
    static final String NAME = "bench";
    private static final int MAX_POLLS = 4;
    private static final Duration POLL_TIMEOUT = Duration.ofSeconds(10);

    private final ApiClient api;
    private final LongFunction<String> sessionIds;
    private final Duration interval;
    private final Duration poll;
    private final Duration giveUp;
    private final String run;
    private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2, r -> {
        Thread thread = new Thread(r, "annotation-probe");
        thread.setDaemon(true);
        return thread;
    });
    private final ConcurrentLinkedQueue<Probe> accepted = new ConcurrentLinkedQueue<>();
    private final Latencies visible = new Latencies();
    private final Latencies posts = new Latencies();
    private final AtomicLong pending = new AtomicLong();
    private final AtomicLong missed = new AtomicLong();
    private final AtomicLong failedPosts = new AtomicLong();
    private volatile boolean stopped;
    private long next;

    /** POST-to-visible times, POST times, probes never seen and POSTs not answered 202. */
    record Result(Latencies.Summary visible, Latencies.Summary post, long missed, long failedPosts) {
    }

    /** A probe the API accepted: the session and label to look for, and when the 202 came. */
    private record Probe(String sessionId, String listPath, long acceptedAt) {
    }

    /**
     * @param sessionIds the id of the n-th session to annotate: each probe annotates another one
     * @param run tells this run's labels from an earlier run's on the same sessions
     */
    AnnotationProbe(ApiClient api, LongFunction<String> sessionIds, Duration interval, Duration poll, Duration giveUp,
            String run) {
        this.api = api;
        this.sessionIds = sessionIds;
        this.interval = interval;
        this.poll = poll;
        this.giveUp = giveUp;
        this.run = run;
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
        for (Probe probe : accepted) {
            if (done(probe)) {
                visible.record(giveUp.toNanos());
                missed.incrementAndGet();
            }
        }
        return new Result(visible.summary(), posts.summary(), missed.get(), failedPosts.get());
    }

    private void send() {
        if (stopped) {
            return;
        }
        long n = next++;
        String sessionId = sessionIds.apply(n);
        String label = "p" + run + "-" + n;
        String body = "{\"name\":\"" + NAME + "\",\"label\":\"" + label + "\",\"score\":" + (n % 10)
                + ",\"annotator_kind\":\"CODE\"}";
        String listPath = "/api/v1/sessions?limit=1&annotation." + NAME + ".label=" + label;
        pending.incrementAndGet();
        long sentAt = System.nanoTime();
        api.post("/api/v1/sessions/" + URLEncoder.encode(sessionId, StandardCharsets.UTF_8).replace("+", "%20")
                + "/annotations", body).whenComplete((response, error) -> {
                    long now = System.nanoTime();
                    if (error != null || response.status().code() != 202) {
                        failedPosts.incrementAndGet();
                        pending.decrementAndGet();
                    } else {
                        posts.record(now - sentAt);
                        accepted.add(new Probe(sessionId, listPath, now));
                    }
                });
    }

    /** Asks about the oldest probes not yet seen and waits for the answers, so that polls never pile up. */
    private void pollOldest() {
        List<CompletableFuture<?>> answers = new ArrayList<>();
        for (Probe probe : accepted) {
            if (answers.size() == MAX_POLLS) {
                break;
            }
            answers.add(api.get(probe.listPath(), false).handle((response, error) -> {
                long now = System.nanoTime();
                if (error == null && lists(response, probe.sessionId())) {
                    if (done(probe)) {
                        visible.record(now - probe.acceptedAt());
                    }
                } else if (now - probe.acceptedAt() > giveUp.toNanos() && done(probe)) {
                    visible.record(giveUp.toNanos());
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

    private boolean done(Probe probe) {
        if (!accepted.remove(probe)) {
            return false;
        }
        pending.decrementAndGet();
        return true;
    }

    private static boolean lists(AggregatedHttpResponse response, String sessionId) {
        if (response.status().code() != 200) {
            return false;
        }
        for (JsonNode session : ApiClient.parse(response).path("sessions")) {
            if (sessionId.equals(session.path("session_id").asText())) {
                return true;
            }
        }
        return false;
    }
}
