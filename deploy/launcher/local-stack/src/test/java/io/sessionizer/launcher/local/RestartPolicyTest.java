package io.sessionizer.launcher.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RestartPolicyTest {
    private final AtomicLong now = new AtomicLong(1_000_000);
    private final RestartPolicy policy = new RestartPolicy(now::get);

    @Test
    void shouldDoubleTheDelayFromOneSecondUpToThirty() {
        assertThat(policy.failed()).contains(Duration.ofSeconds(1));
        assertThat(policy.failed()).contains(Duration.ofSeconds(2));
        assertThat(policy.failed()).contains(Duration.ofSeconds(4));
        assertThat(policy.failed()).contains(Duration.ofSeconds(8));
        assertThat(policy.failed()).contains(Duration.ofSeconds(16));
        assertThat(policy.failed()).contains(Duration.ofSeconds(30));
        assertThat(policy.failed()).contains(Duration.ofSeconds(30));
    }

    @Test
    void shouldGiveUpAfterTooManyFailuresInARow() {
        for (int i = 0; i < RestartPolicy.MAX_FAILURES_IN_A_ROW; i++) {
            policy.running();
            now.addAndGet(10_000);
            assertThat(policy.failed()).isPresent();
        }
        assertThat(policy.failed()).isEmpty();
    }

    @Test
    void shouldStartOverAfterAStableMinute() {
        policy.failed();
        policy.failed();
        policy.running();
        now.addAndGet(RestartPolicy.STABLE.toMillis());
        assertThat(policy.failed()).contains(Duration.ofSeconds(1));
        assertThat(policy.failures()).isEqualTo(1);
    }

    @Test
    void shouldNotCountTimeSpentFailingToStartAsStable() {
        policy.running();
        policy.failed();
        now.addAndGet(RestartPolicy.STABLE.toMillis() * 2);
        assertThat(policy.failed()).contains(Duration.ofSeconds(2));
    }
}
