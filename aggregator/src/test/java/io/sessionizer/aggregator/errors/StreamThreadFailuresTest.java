package io.sessionizer.aggregator.errors;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.streams.errors.MissingSourceTopicException;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.junit.jupiter.api.Test;

class StreamThreadFailuresTest {
    private final AtomicLong now = new AtomicLong(1_000_000);
    private final List<Long> sleeps = new ArrayList<>();
    private final List<String> fatal = new ArrayList<>();
    private final StreamThreadFailures failures = new StreamThreadFailures(now::get, sleeps::add, fatal::add);

    @Test
    void shouldReplaceAThreadAfterATransientFailureWithABackoffThatDoubles() {
        StreamsException transientFailure = new StreamsException(new TimeoutException("broker gone"));
        for (int i = 0; i < 4; i++) {
            assertThat(failures.handle(transientFailure)).isEqualTo(StreamThreadExceptionResponse.REPLACE_THREAD);
            now.addAndGet(1000);
        }
        assertThat(sleeps).containsExactly(1000L, 2000L, 4000L, 8000L);
        assertThat(fatal).isEmpty();
    }

    @Test
    void shouldStopTheInstanceNamingTheCauseWhenItCannotRecover() {
        StreamsException missing = new StreamsException("no topic", new MissingSourceTopicException("otlp_spans"));
        assertThat(failures.handle(missing)).isEqualTo(StreamThreadExceptionResponse.SHUTDOWN_CLIENT);
        assertThat(failures.handle(new ConfigException("bad"))).isEqualTo(StreamThreadExceptionResponse.SHUTDOWN_CLIENT);
        assertThat(fatal).hasSize(2);
        assertThat(fatal.get(0)).contains("MissingSourceTopicException").contains("otlp_spans");
        assertThat(sleeps).isEmpty();
    }

    @Test
    void shouldStopWhenAFailureKeepsComingBackAndForgetOldFailures() {
        RuntimeException bug = new IllegalStateException("always");
        for (int i = 0; i < StreamThreadFailures.MAX_FAILURES_IN_WINDOW; i++) {
            assertThat(failures.handle(bug)).isEqualTo(StreamThreadExceptionResponse.REPLACE_THREAD);
        }
        assertThat(failures.handle(bug)).isEqualTo(StreamThreadExceptionResponse.SHUTDOWN_CLIENT);
        assertThat(fatal).singleElement().asString().contains("IllegalStateException: always");

        now.addAndGet(StreamThreadFailures.WINDOW.toMillis() + 1);
        assertThat(failures.handle(bug)).isEqualTo(StreamThreadExceptionResponse.REPLACE_THREAD);
    }

    @Test
    void shouldCapTheBackoff() {
        assertThat(StreamThreadFailures.backoff(1)).isEqualTo(Duration.ofSeconds(1));
        assertThat(StreamThreadFailures.backoff(40)).isEqualTo(StreamThreadFailures.MAX_BACKOFF);
    }
}
