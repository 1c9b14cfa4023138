package io.sessionizer.bench.suite;

import com.fasterxml.jackson.databind.JsonNode;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import io.sessionizer.loadgen.Latencies;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongFunction;

/**
 * Annotation freshness ({@link VisibilityProbe}): at a fixed interval, annotates one stored session through
 * {@code POST /api/v1/sessions/{id}/annotations} with a label of its own, and from the 202 polls until it shows: in
 * the list filtered on that label ({@code GET /api/v1/sessions?annotation.bench.label=}), the way through
 * {@code session-annotations}, stage 2's fold and the session index; or in the session's summary
 * ({@code GET /api/v1/sessions/{id}}), read from the stores, without the index. The POST's own time (to the record on
 * the topic with acks=all) is measured too.
 */
final class AnnotationProbe extends VisibilityProbe {
    static final String NAME = "bench";

    private final ApiClient api;
    private final LongFunction<String> sessionIds;
    private final String run;
    private final boolean inList;
    private final Latencies posts = new Latencies();
    private final AtomicLong failedPosts = new AtomicLong();
    private long next;

    /** POST-to-visible times, POST times, probes never seen and POSTs not answered 202. */
    record Result(Latencies.Summary visible, Latencies.Summary post, long missed, long failedPosts) {
    }

    /**
     * @param sessionIds the id of the n-th session to annotate: each probe annotates another one
     * @param run tells this run's labels from an earlier run's on the same sessions
     * @param inList polls the filtered list; else the session's summary
     */
    AnnotationProbe(ApiClient api, LongFunction<String> sessionIds, Duration interval, Duration poll, Duration giveUp,
            String run, boolean inList) {
        super(api, interval, poll, giveUp, "annotation-probe");
        this.api = api;
        this.sessionIds = sessionIds;
        this.run = run;
        this.inList = inList;
    }

    /** Sends no more probes, waits for those in flight to be seen or given up, and returns what was measured. */
    Result stop() throws InterruptedException {
        Latencies.Summary visible = stopAndMeasure();
        return new Result(visible, posts.summary(), missed(), failedPosts.get());
    }

    @Override
    void send() {
        long n = next++;
        String sessionId = sessionIds.apply(n);
        String label = (inList ? "l" : "s") + run + "-" + n;
        String body = "{\"name\":\"" + NAME + "\",\"label\":\"" + label + "\",\"score\":" + (n % 10)
                + ",\"annotator_kind\":\"CODE\"}";
        String sessionPath = "/api/v1/sessions/" + URLEncoder.encode(sessionId, StandardCharsets.UTF_8)
                .replace("+", "%20");
        String path = inList ? "/api/v1/sessions?limit=1&annotation." + NAME + ".label=" + label : sessionPath;
        sending();
        long sentAt = System.nanoTime();
        api.post(sessionPath + "/annotations", body).whenComplete((response, error) -> {
                    if (error != null || response.status().code() != 202) {
                        failedPosts.incrementAndGet();
                        failed();
                    } else {
                        posts.record(System.nanoTime() - sentAt);
                        acknowledged(path, answer -> inList ? lists(answer, sessionId) : counts(answer, label));
                    }
                });
    }

    /** True when the summary counts the label. */
    private static boolean counts(AggregatedHttpResponse response, String label) {
        if (response.status().code() != 200) {
            return false;
        }
        for (JsonNode annotation : ApiClient.parse(response).path("annotations")) {
            if (NAME.equals(annotation.path("name").asText()) && annotation.path("label_counts").has(label)) {
                return true;
            }
        }
        return false;
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
