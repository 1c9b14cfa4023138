package io.sessionizer.ingest;

import static io.sessionizer.ingest.HttpPoster.PROTOBUF;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.rpc.Status;
import io.sessionizer.config.Config;
import io.sessionizer.testing.OtlpLogs;
import io.sessionizer.testing.OtlpTraces;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The real producer against a broker that is not there, as while the local stack restarts its broker: every answer,
 * also during a drain, is a retryable 503 within {@code producer.send-timeout} (plus slack for a loaded machine),
 * not one send timeout per trace of the request, and stopping takes about one send timeout, not
 * {@code shutdown.timeout}.
 */
@Timeout(60)
class UnreachableKafkaTest {
    private static final Duration SEND_TIMEOUT = Duration.ofSeconds(1);
    private static final Duration SLACK = Duration.ofMillis(1500);

    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static Duration since(long start) {
        return Duration.ofNanos(System.nanoTime() - start);
    }

    @Test
    void shouldAnswer503WithRetryAfterWithinTheSendTimeoutAlsoWhileStopping() throws Exception {
        IngestServer server = IngestServer.start(Config.load(IngestSettings.all(), Map.of(), Map.of(
                "http.port", "0", "grpc.port", "0", "producer.send-timeout", SEND_TIMEOUT.toMillis() + "ms",
                "kafka.bootstrap.servers", "127.0.0.1:" + closedPort(), "shutdown.timeout", "15s")));
        HttpPoster http = new HttpPoster(server.httpPort());
        byte[] threeTraces = OtlpTraces.request(3, 2).toByteArray();

        long first = System.nanoTime();
        HttpResponse<byte[]> cold = http.post(PROTOBUF, threeTraces);
        Duration coldTook = since(first);
        long start = System.nanoTime();
        HttpResponse<byte[]> running = http.post(PROTOBUF, threeTraces);
        Duration runningTook = since(start);
        long logsStart = System.nanoTime();
        HttpResponse<byte[]> logs = http.logs().post(PROTOBUF, OtlpLogs.request(3, 2).toByteArray());
        Duration logsTook = since(logsStart);

        List<CompletableFuture<HttpResponse<byte[]>>> inFlight = List.of(http.postAsync(PROTOBUF, threeTraces),
                http.postAsync(PROTOBUF, threeTraces), http.postAsync(PROTOBUF, threeTraces));
        Thread.sleep(200);
        long stopStart = System.nanoTime();
        CompletableFuture<Void> stopped = CompletableFuture.runAsync(server::close);
        List<HttpResponse<byte[]>> drained = inFlight.stream().map(CompletableFuture::join).toList();
        Duration drainedTook = since(stopStart);
        stopped.join();
        Duration stopTook = since(stopStart);

        System.out.printf("Unreachable Kafka, send timeout %d ms: first answer %d ms, next %d ms, answers in the drain within %d ms of "
                + "the stop, stop %d ms%n", SEND_TIMEOUT.toMillis(), coldTook.toMillis(), runningTook.toMillis(), drainedTook.toMillis(),
                stopTook.toMillis());
        assertThat(cold.statusCode()).isEqualTo(503);
        assertThat(running.statusCode()).isEqualTo(503);
        assertThat(running.headers().firstValue("retry-after")).hasValue("5");
        assertThat(Status.parseFrom(running.body()).getMessage()).contains("retry later");
        // The first request of a fresh JVM also loads classes; from the second on only the send timeout counts.
        assertThat(coldTook).isLessThan(SEND_TIMEOUT.plus(Duration.ofSeconds(5)));
        assertThat(runningTook).isLessThan(SEND_TIMEOUT.plus(SLACK));
        assertThat(logs.statusCode()).isEqualTo(503);
        assertThat(logs.headers().firstValue("retry-after")).hasValue("5");
        assertThat(Status.parseFrom(logs.body()).getMessage()).contains("log records").contains("retry later");
        assertThat(logsTook).isLessThan(SEND_TIMEOUT.plus(SLACK));
        assertThat(drained).allSatisfy(r -> {
            assertThat(r.statusCode()).isEqualTo(503);
            assertThat(r.headers().firstValue("retry-after")).hasValue("5");
        });
        assertThat(drainedTook).isLessThan(SEND_TIMEOUT.plus(SLACK));
        assertThat(stopTook).isLessThan(SEND_TIMEOUT.multipliedBy(2).plus(SLACK).plus(SLACK));
    }
}
