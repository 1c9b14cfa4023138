package io.sessionizer.aggregator.domain;

import static org.assertj.core.api.Assertions.assertThat;

import io.sessionizer.aggregator.domain.SessionLifecycle.Decision;
import io.sessionizer.aggregator.domain.SessionLifecycle.Step;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class SessionLifecycleTest {
    private static final long MINUTE = 60_000;
    private final SessionLifecycle lifecycle = new SessionLifecycle(Duration.ofMinutes(30), Duration.ofDays(7));

    @Test
    void shouldFileANewSessionAtItsIdleTimeAndKeepAnActiveOnesEarlierEntry() {
        assertThat(lifecycle.deadlineAfterActivity(true, 0, 1_000)).isEqualTo(1_000 + 30 * MINUTE);
        assertThat(lifecycle.deadlineAfterActivity(false, 30 * MINUTE, 10 * MINUTE)).as("active: entry kept")
                .isEqualTo(-1);
        long expiry = Duration.ofDays(7).toMillis();
        assertThat(lifecycle.deadlineAfterActivity(false, expiry, 40 * MINUTE)).as("idle, filed at its expiry")
                .isEqualTo(70 * MINUTE);
    }

    @Test
    void shouldRefileAnActiveSessionWhoseDeadlineCameEarly() {
        assertThat(lifecycle.atDeadline(true, 20 * MINUTE, 30 * MINUTE))
                .isEqualTo(new Decision(Step.REFILE, 50 * MINUTE));
    }

    @Test
    void shouldMakeAnActiveSessionIdleThenExpireIt() {
        assertThat(lifecycle.atDeadline(true, 0, 30 * MINUTE))
                .isEqualTo(new Decision(Step.GO_IDLE, Duration.ofDays(7).toMillis()));
        assertThat(lifecycle.atDeadline(false, 0, Duration.ofDays(7).toMillis()).step()).isEqualTo(Step.EXPIRE);
        assertThat(lifecycle.atDeadline(true, 0, Duration.ofDays(8).toMillis()).step()).as("both at once")
                .isEqualTo(Step.GO_IDLE_AND_EXPIRE);
    }

    @Test
    void shouldExpireAtOnceWhenRetentionIsNoLongerThanTheIdleTimeout() {
        SessionLifecycle brief = new SessionLifecycle(Duration.ofMinutes(30), Duration.ofMinutes(10));
        assertThat(brief.atDeadline(true, 0, 30 * MINUTE).step()).isEqualTo(Step.GO_IDLE_AND_EXPIRE);
    }
}
