package io.sessionizer.bench.suite;

import com.linecorp.armeria.common.AggregatedHttpResponse;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.sessionizer.loadgen.Latencies;
import io.sessionizer.loadgen.OtlpSender;
import io.sessionizer.loadgen.Traffic;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * End-to-end freshness ({@link VisibilityProbe}): at a fixed interval, sends one turn of a new session over OTLP, and
 * from the moment ingest acknowledges it polls {@code GET /api/v1/sessions/{id}} until the session shows all the
 * turn's spans.
 */
final class FreshnessProbe extends VisibilityProbe {
    private final OtlpSender sender;
    private final Traffic traffic;
    private final AtomicLong failedSends = new AtomicLong();
    private long next;

    /**
     * What the probes saw: acknowledgement-to-visible times (a probe never seen counts as the give-up time), the
     * probes never seen, and those never acknowledged.
     */
    record Result(Latencies.Summary latency, long missed, long failedSends) {
    }

    /**
     * @param traffic one session of one turn per trace, e.g. shape (1, 1, 5): every probe is a session of its own
     * @param giveUp a probe not visible after this long counts as missed
     */
    FreshnessProbe(OtlpSender sender, ApiClient api, Traffic traffic, Duration interval, Duration poll,
            Duration giveUp) {
        super(api, interval, poll, giveUp, "freshness-probe");
        this.sender = sender;
        this.traffic = traffic;
    }

    /** Sends no more probes, waits for those in flight to be seen or given up, and returns what was measured. */
    Result stop() throws InterruptedException {
        Latencies.Summary latency = stopAndMeasure();
        return new Result(latency, missed(), failedSends.get());
    }

    @Override
    void send() {
        long trace = next++;
        String path = "/api/v1/sessions/" + traffic.sessionId(traffic.session(trace));
        long spans = traffic.shape().spansPerTurn();
        ExportTraceServiceRequest request = traffic.trace(trace, System.currentTimeMillis() * 1_000_000L);
        sending();
        sender.send(request, spans).whenComplete((accepted, error) -> {
            if (error != null || accepted < spans) {
                failedSends.incrementAndGet();
                failed();
            } else {
                acknowledged(path, response -> shows(response, spans));
            }
        });
    }

    private static boolean shows(AggregatedHttpResponse response, long spans) {
        return response.status().code() == 200 && ApiClient.parse(response).path("span_count").asLong() >= spans;
    }
}
