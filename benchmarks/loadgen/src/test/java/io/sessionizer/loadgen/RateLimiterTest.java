package io.sessionizer.loadgen;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RateLimiterTest {
    private static final long MS = 1_000_000L;
    private final AtomicLong clock = new AtomicLong(1_000 * MS);

    @Test
    void shouldSpaceReservationsByTheirCostAtTheRate() {
        RateLimiter limiter = new RateLimiter(1_000, 0, clock::get);

        assertThat(limiter.reserve(500)).isZero();
        assertThat(limiter.reserve(500)).isEqualTo(500 * MS);
        assertThat(limiter.reserve(1)).isEqualTo(1_000 * MS);
    }

    @Test
    void shouldNotWaitOnceTheTimeOfEarlierReservationsPassed() {
        RateLimiter limiter = new RateLimiter(1_000, 0, clock::get);
        limiter.reserve(500);

        clock.addAndGet(500 * MS);

        assertThat(limiter.reserve(500)).isZero();
        assertThat(limiter.reserve(500)).isEqualTo(500 * MS);
    }

    @Test
    void shouldCatchUpAfterAStallByNoMoreThanTheSlack() {
        RateLimiter limiter = new RateLimiter(1_000, 100 * MS, clock::get);
        limiter.reserve(100);

        clock.addAndGet(10_000 * MS);

        // 100 ms of slack: the first 100 permits go at once, then the rate holds again.
        assertThat(limiter.reserve(100)).isZero();
        assertThat(limiter.reserve(100)).isZero();
        assertThat(limiter.reserve(100)).isEqualTo(100 * MS);
    }

    @Test
    void shouldNeverWaitWithoutARate() {
        RateLimiter limiter = new RateLimiter(0, 0, clock::get);

        assertThat(limiter.reserve(1_000_000)).isZero();
        assertThat(limiter.reserve(1_000_000)).isZero();
    }
}
