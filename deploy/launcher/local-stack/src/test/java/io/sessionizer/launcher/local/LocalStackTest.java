package io.sessionizer.launcher.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class LocalStackTest {
    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void shouldFailTheStartAtOnceWithTheCauseWhenAPartFailsWhileOthersAreNotReady() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        CompletableFuture<String> failed = new CompletableFuture<>();
        CompletableFuture.delayedExecutor(500, TimeUnit.MILLISECONDS).execute(() -> failed.complete(
                "The aggregator failed while starting: Kafka Streams cannot recover from MissingSourceTopicException"));
        Instant start = Instant.now();

        assertThatThrownBy(() -> LocalStack.awaitReady("aggregator", closedPort,
                Instant.now().plus(Duration.ofMinutes(2)), failed))
                .isInstanceOf(LocalStackException.class)
                .hasMessage("The aggregator failed while starting: Kafka Streams cannot recover from"
                        + " MissingSourceTopicException");
        assertThat(Duration.between(start, Instant.now())).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void shouldNameTheSignalThatKilledAProcess() {
        assertThat(LocalStack.exitDescription(137)).isEqualTo("killed by SIGKILL");
        assertThat(LocalStack.exitDescription(143)).isEqualTo("stopped by SIGTERM");
        assertThat(LocalStack.exitDescription(134)).isEqualTo("killed by signal 6");
        assertThat(LocalStack.exitDescription(1)).isEqualTo("exit code 1");
    }
}
