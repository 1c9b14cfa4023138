package io.sessionizer.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class PollTest {
    private static final Duration PAUSE = Duration.ofMillis(1);

    @Test
    void shouldReturnTheFirstValueOnceTheCheckAnswersOne() throws Exception {
        AtomicInteger asked = new AtomicInteger();

        Optional<Integer> value = Poll.forValue(Duration.ofSeconds(10), PAUSE,
                () -> asked.incrementAndGet() == 3 ? Optional.of(42) : Optional.empty());

        assertThat(value).contains(42);
        assertThat(asked).hasValue(3);
    }

    @Test
    void shouldGiveUpAfterTheTimeoutButAskAtLeastOnce() throws Exception {
        AtomicInteger asked = new AtomicInteger();

        boolean held = Poll.until(Duration.ZERO, PAUSE, () -> asked.incrementAndGet() < 0);

        assertThat(held).isFalse();
        assertThat(asked).hasValue(1);
    }

    @Test
    void shouldEndTheWaitWithTheCheckedExceptionOfTheCheck() {
        assertThatThrownBy(() -> Poll.until(Duration.ofSeconds(10), PAUSE, () -> {
            throw new IOException("gone");
        })).isInstanceOf(IOException.class).hasMessage("gone");
    }
}
