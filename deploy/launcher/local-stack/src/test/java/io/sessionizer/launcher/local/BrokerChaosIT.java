package io.sessionizer.launcher.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.sessionizer.aggregator.AggregatorApp;
import io.sessionizer.loadgen.Traffic;
import io.sessionizer.testing.SessionsApiClient;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The local stack's broker SIGKILLed under load, as a crash or the OOM killer would: the supervisor starts it again on
 * the same data and port, the ingest answers 503 meanwhile, and every span it acknowledged is counted exactly once.
 * Then the aggregator fails for good and is replaced, still under load, and still nothing is lost or counted twice.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class BrokerChaosIT {
    private static final int SENDERS = 3;
    private static final int TRACES_PER_REQUEST = 10;
    private static final int SPANS_PER_TRACE = 5;
    /** Between acknowledged requests of one sender: about 1,500 spans/s in all, gentle on a shared machine. */
    private static final Duration PACE = Duration.ofMillis(100);
    /** Between attempts at a refused request, short so that the recovery time is measured to within it. */
    private static final Duration RETRY_PAUSE = Duration.ofMillis(100);

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final AtomicBoolean sending = new AtomicBoolean(true);
    private final AtomicLong acknowledgedSpans = new AtomicLong();
    private final AtomicLong acknowledgedRequests = new AtomicLong();
    private final AtomicLong refusedAnswers = new AtomicLong();
    private final AtomicLong slowestRefusalMillis = new AtomicLong();
    private final AtomicLong killedAtNanos = new AtomicLong(Long.MAX_VALUE);
    private final AtomicLong firstAckAfterKillNanos = new AtomicLong(Long.MAX_VALUE);
    private final ConcurrentLinkedQueue<String> unexpectedAnswers = new ConcurrentLinkedQueue<>();

    @TempDir
    Path dir;

    private LocalStack stack;

    @AfterEach
    void stop() {
        sending.set(false);
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void shouldCountEveryAcknowledgedSpanOnceWhenTheBrokerIsKilledAndTheAggregatorReplacedUnderLoad() throws Exception {
        int kafkaPort = FreePorts.pair();
        int otlpPort = FreePorts.one();
        int apiPort = FreePorts.one();
        stack = new LocalStack(new LocalStack.Options(dir.resolve("data"), kafkaPort, 0, otlpPort, 0, apiPort),
                System.getProperty("java.class.path"));
        stack.start();
        URI traces = URI.create("http://localhost:" + otlpPort + "/v1/traces");

        List<Thread> senders = new ArrayList<>();
        for (int i = 0; i < SENDERS; i++) {
            Traffic traffic = new Traffic(1000 + i, new Traffic.Shape(20, 10_000, SPANS_PER_TRACE), "chaos-" + i);
            Thread sender = new Thread(() -> send(traces, traffic), "sender-" + i);
            sender.start();
            senders.add(sender);
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> acknowledgedRequests.get() >= 30);

        long pid = stack.brokerPid();
        killedAtNanos.set(System.nanoTime());
        assertThat(ProcessHandle.of(pid).orElseThrow().destroyForcibly()).as("SIGKILL of the broker").isTrue();
        await().atMost(Duration.ofSeconds(90)).until(() -> firstAckAfterKillNanos.get() != Long.MAX_VALUE);
        long recoveryMillis = TimeUnit.NANOSECONDS.toMillis(firstAckAfterKillNanos.get() - killedAtNanos.get());
        System.out.printf(Locale.ROOT, "broker SIGKILL → first acknowledged request: %d ms (%d refused answers"
                + " meanwhile, the slowest in %d ms)%n", recoveryMillis, refusedAnswers.get(),
                slowestRefusalMillis.get());
        await().atMost(Duration.ofSeconds(10)).untilAsserted(
                () -> assertThat(stack.brokerPid()).as("a new broker process").isPositive().isNotEqualTo(pid));

        long acknowledgedAtRecovery = acknowledgedRequests.get();
        await().atMost(Duration.ofSeconds(30)).until(() -> acknowledgedRequests.get() >= acknowledgedAtRecovery + 30);

        // Kafka Streams failing for good (state ERROR) looks like this to the launcher: the aggregator is replaced.
        AggregatorApp failed = stack.aggregator();
        long failedAt = System.nanoTime();
        failed.failed().complete("simulated by BrokerChaosIT");
        await().atMost(Duration.ofSeconds(90)).until(() -> stack.aggregator() != null && stack.aggregator() != failed);
        System.out.printf(Locale.ROOT, "aggregator failed → replaced and ready: %d ms%n",
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - failedAt));
        sending.set(false);
        for (Thread sender : senders) {
            sender.join(60_000);
            assertThat(sender.isAlive()).as("a sender still retrying").isFalse();
        }
        assertThat(unexpectedAnswers).as("answers other than 2xx, 429 or 503 with Retry-After").isEmpty();

        long expected = acknowledgedSpans.get();
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1))
                .untilAsserted(() -> assertThat(countedSpans(apiPort)).isGreaterThanOrEqualTo(expected));
        // Once all arrived, nothing more comes: no span counted twice.
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofSeconds(1))
                .untilAsserted(() -> assertThat(countedSpans(apiPort))
                        .as("spans counted of " + expected + " acknowledged").isEqualTo(expected));
        assertThat(recoveryMillis).as("broker SIGKILL to first acknowledged request, ms").isLessThan(60_000);
        assertThat(stack.failure()).isNotDone();
    }

    /** Sends each request until it is acknowledged, as an OTLP exporter retries a retryable answer. */
    private void send(URI traces, Traffic traffic) {
        long trace = 0;
        while (sending.get()) {
            byte[] body = traffic.request(trace, TRACES_PER_REQUEST, System.currentTimeMillis() * 1_000_000)
                    .toByteArray();
            trace += TRACES_PER_REQUEST;
            HttpRequest request = HttpRequest.newBuilder(traces)
                    .header("Content-Type", "application/x-protobuf")
                    .timeout(Duration.ofSeconds(30))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                    .build();
            while (true) {
                long sentAt = System.nanoTime();
                try {
                    HttpResponse<Void> response = http.send(request, HttpResponse.BodyHandlers.discarding());
                    if (response.statusCode() / 100 == 2) {
                        acknowledgedSpans.addAndGet((long) TRACES_PER_REQUEST * SPANS_PER_TRACE);
                        acknowledgedRequests.incrementAndGet();
                        if (sentAt > killedAtNanos.get()) {
                            firstAckAfterKillNanos.accumulateAndGet(System.nanoTime(), Math::min);
                        }
                        break;
                    }
                    refusedAnswers.incrementAndGet();
                    slowestRefusalMillis.accumulateAndGet(
                            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sentAt), Math::max);
                    if (response.statusCode() != 503 && response.statusCode() != 429
                            || response.headers().firstValue("Retry-After").isEmpty()) {
                        unexpectedAnswers.add(response.toString());
                    }
                } catch (IOException e) {
                    refusedAnswers.incrementAndGet();
                    unexpectedAnswers.add(e.toString());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                try {
                    Thread.sleep(RETRY_PAUSE.toMillis());
                } catch (InterruptedException e) {
                    return;
                }
            }
            try {
                Thread.sleep(PACE.toMillis());
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** The sum of span_count over every session the API lists, page by page. */
    private long countedSpans(int apiPort) throws Exception {
        long spans = 0;
        String cursor = null;
        do {
            JsonNode page = SessionsApiClient.of(apiPort).sessions(cursor == null ? Map.of("limit", "500")
                    : Map.of("limit", "500", "cursor", cursor));
            for (JsonNode session : page.path("sessions")) {
                spans += session.path("span_count").asLong();
            }
            cursor = page.path("next_cursor").isTextual() ? page.path("next_cursor").asText() : null;
        } while (cursor != null);
        return spans;
    }
}
