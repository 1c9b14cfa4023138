package io.sessionizer.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class TopicBytesTest {
    @Test
    void shouldCountWhatEachSelectedTopicGainedSinceBefore() {
        TopicBytes before = new TopicBytes(Map.of("spans", 1_000L, "app-sessions-changelog", 10L));
        TopicBytes after = new TopicBytes(Map.of("spans", 1_000L, "app-sessions-changelog", 510L,
                "app-turns-by-session-repartition", 300L, "sessions-out", 200L, "other-app-changelog", 99L));

        Map<String, Long> grown = after.grownSince(before, t -> t.startsWith("app-") || t.equals("sessions-out"));

        assertThat(grown).containsExactly(Map.entry("app-sessions-changelog", 500L),
                Map.entry("app-turns-by-session-repartition", 300L), Map.entry("sessions-out", 200L));
        assertThat(after.of("missing")).isZero();
    }

    @Test
    void shouldNameInternalTopicsWithoutTheApplicationIdAndOutputsByTheirRole() {
        Map<String, Long> written = Backlog.written("bench-aggregator-x", Map.of("bench-sessions-x", "sessions"),
                Map.of("bench-aggregator-x-sessions-changelog", 500L, "bench-sessions-x", 200L));

        assertThat(written).containsExactly(Map.entry("sessions", 200L), Map.entry("sessions-changelog", 500L));
    }

    @Test
    void shouldGiveTheBytesWrittenPerInputByte() {
        Backlog.Run aggregator = new Backlog.Run("aggregator", 20_000, 50, 1L << 30,
                Map.of("sessions-changelog", 300L, "sessions", 200L));
        Backlog.Run baseline = new Backlog.Run("baseline", 60_000, 17, 1L << 29, Map.of("baseline-repartition", 90L));

        Backlog.Result result = new Backlog.Result(1_000, 1, 100, baseline, aggregator);

        assertThat(aggregator.totalBytesWritten()).isEqualTo(500);
        assertThat(result.bytesPerInputByte(aggregator)).isEqualTo(5.0);
        assertThat(result.bytesPerInputByte(baseline)).isEqualTo(0.9);
        assertThat(new Backlog.Result(1_000, 1, 0, baseline, aggregator).bytesPerInputByte(aggregator)).isNaN();
    }
}
