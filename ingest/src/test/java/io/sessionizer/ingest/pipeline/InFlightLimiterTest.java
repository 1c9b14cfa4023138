package io.sessionizer.ingest.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.sessionizer.ingest.pipeline.InFlightLimiter.Admission;
import io.sessionizer.ingest.pipeline.InFlightLimiter.Outcome;
import io.sessionizer.testing.ManualClock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class InFlightLimiterTest {
    private final ManualClock clock = new ManualClock();
    private final InFlightLimiter limiter =
            new InFlightLimiter(1000, Duration.ofSeconds(10).toNanos(), clock::currentTimeNanos);

    @Test
    void shouldLetATenantAloneUseTheWholeBudget() {
        assertThat(limiter.tryAcquire("acme", 600).outcome()).isEqualTo(Outcome.ADMITTED);
        assertThat(limiter.tryAcquire("acme", 400).outcome()).isEqualTo(Outcome.ADMITTED);

        assertThat(limiter.tryAcquire("acme", 1).outcome()).isEqualTo(Outcome.OVER_BUDGET);
        assertThat(limiter.inFlightBytes()).isEqualTo(1000);
        assertThat(limiter.inFlightBytes("acme")).isEqualTo(1000);
    }

    @Test
    void shouldHoldEachTenantToAnEqualShareWhileSeveralHaveBytesInFlight() {
        assertThat(limiter.tryAcquire("acme", 400).outcome()).isEqualTo(Outcome.ADMITTED);
        assertThat(limiter.tryAcquire("globex", 100).outcome()).isEqualTo(Outcome.ADMITTED);

        // Two tenants: 500 each.
        assertThat(limiter.tryAcquire("acme", 101)).isEqualTo(new Admission(Outcome.OVER_SHARE, 500));
        assertThat(limiter.tryAcquire("acme", 100)).isEqualTo(new Admission(Outcome.ADMITTED, 500));
        assertThat(limiter.share("acme")).isEqualTo(500);

        // A third tenant counts itself: 333 each, and acme, over it, gets nothing more.
        assertThat(limiter.share("initech")).isEqualTo(333);
        assertThat(limiter.tryAcquire("initech", 300).outcome()).isEqualTo(Outcome.ADMITTED);
        assertThat(limiter.tryAcquire("acme", 1)).isEqualTo(new Admission(Outcome.OVER_SHARE, 333));
        assertThat(limiter.tryAcquire("globex", 234).outcome()).isEqualTo(Outcome.OVER_SHARE);
        assertThat(limiter.tryAcquire("globex", 101).outcome()).isEqualTo(Outcome.OVER_BUDGET);
    }

    @Test
    void shouldLetATenantWithNothingInFlightSendOneRequestLargerThanItsShare() {
        assertThat(limiter.tryAcquire("acme", 300).outcome()).isEqualTo(Outcome.ADMITTED);

        assertThat(limiter.tryAcquire("globex", 700).outcome()).isEqualTo(Outcome.ADMITTED);
        assertThat(limiter.tryAcquire("globex", 1).outcome()).isEqualTo(Outcome.OVER_SHARE);
    }

    @Test
    void shouldLetOneRequestLargerThanTheBudgetPassWhenNothingIsInFlight() {
        assertThat(limiter.tryAcquire("acme", 5000).outcome()).isEqualTo(Outcome.ADMITTED);
        assertThat(limiter.tryAcquire("globex", 1).outcome()).isEqualTo(Outcome.OVER_BUDGET);

        limiter.release("acme", 5000);

        assertThat(limiter.inFlightBytes()).isZero();
        assertThat(limiter.tryAcquire("globex", 1).outcome()).isEqualTo(Outcome.ADMITTED);
    }

    @Test
    void shouldHoldATenantThatFilledTheBudgetAloneToItsShareWhileAnotherWaits() {
        assertThat(limiter.tryAcquire("noisy", 1000).outcome()).isEqualTo(Outcome.ADMITTED);
        assertThat(limiter.tryAcquire("quiet", 100).outcome()).isEqualTo(Outcome.OVER_BUDGET);

        limiter.release("noisy", 600);

        // quiet waits for room: noisy, at 400 of a 500 share, may not take the 600 freed.
        assertThat(limiter.tryAcquire("noisy", 200).outcome()).isEqualTo(Outcome.OVER_SHARE);
        assertThat(limiter.tryAcquire("noisy", 100).outcome()).isEqualTo(Outcome.ADMITTED);
        assertThat(limiter.tryAcquire("quiet", 100).outcome()).isEqualTo(Outcome.ADMITTED);
    }

    @Test
    void shouldForgetAWaitingTenantThatDidNotComeBack() {
        assertThat(limiter.tryAcquire("noisy", 1000).outcome()).isEqualTo(Outcome.ADMITTED);
        assertThat(limiter.tryAcquire("quiet", 100).outcome()).isEqualTo(Outcome.OVER_BUDGET);
        limiter.release("noisy", 600);
        assertThat(limiter.tryAcquire("noisy", 200).outcome()).isEqualTo(Outcome.OVER_SHARE);

        clock.advance(Duration.ofSeconds(10));

        assertThat(limiter.tryAcquire("noisy", 600).outcome()).isEqualTo(Outcome.ADMITTED);
    }

    @Test
    void shouldStopCountingATenantOnceItsBytesAreAcknowledged() {
        assertThat(limiter.tryAcquire("acme", 500).outcome()).isEqualTo(Outcome.ADMITTED);
        assertThat(limiter.tryAcquire("globex", 100).outcome()).isEqualTo(Outcome.ADMITTED);
        assertThat(limiter.tryAcquire("acme", 1).outcome()).isEqualTo(Outcome.OVER_SHARE);

        limiter.release("globex", 100);

        assertThat(limiter.inFlightBytes("globex")).isZero();
        assertThat(limiter.tryAcquire("acme", 500).outcome()).isEqualTo(Outcome.ADMITTED);
    }

    @Test
    void shouldNotCountATenantThatReleasedAnEmptyRequestBeforeItsOthers() {
        assertThat(limiter.tryAcquire("acme", 0).outcome()).isEqualTo(Outcome.ADMITTED);
        assertThat(limiter.tryAcquire("acme", 100).outcome()).isEqualTo(Outcome.ADMITTED);
        limiter.release("acme", 0);
        limiter.release("acme", 100);

        // acme holds nothing: globex, alone, has the whole budget.
        assertThat(limiter.share("globex")).isEqualTo(1000);
        assertThat(limiter.tryAcquire("globex", 600).outcome()).isEqualTo(Outcome.ADMITTED);
        assertThat(limiter.tryAcquire("globex", 400).outcome()).isEqualTo(Outcome.ADMITTED);
        assertThat(limiter.tryAcquire("globex", 1).outcome()).isEqualTo(Outcome.OVER_BUDGET);
    }

    @Test
    void shouldNotCountATenantThatReleasedAnEmptyRequestAfterItsOthers() {
        assertThat(limiter.tryAcquire("acme", 100).outcome()).isEqualTo(Outcome.ADMITTED);
        assertThat(limiter.tryAcquire("acme", 0).outcome()).isEqualTo(Outcome.ADMITTED);
        limiter.release("acme", 100);
        limiter.release("acme", 0);

        assertThat(limiter.share("globex")).isEqualTo(1000);
        assertThat(limiter.tryAcquire("globex", 600).outcome()).isEqualTo(Outcome.ADMITTED);
        assertThat(limiter.tryAcquire("globex", 400).outcome()).isEqualTo(Outcome.ADMITTED);
        assertThat(limiter.tryAcquire("globex", 1).outcome()).isEqualTo(Outcome.OVER_BUDGET);
        // And two tenants share it in halves, not in thirds.
        assertThat(limiter.share("acme")).isEqualTo(500);
    }
}
