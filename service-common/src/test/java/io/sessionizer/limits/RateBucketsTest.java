package io.sessionizer.limits;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.bucket4j.Bucket;
import io.sessionizer.testing.ManualClock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class RateBucketsTest {
    private final ManualClock clock = new ManualClock();

    @Test
    void shouldStartFullAndRefillTokenByToken() {
        Bucket bucket = RateBuckets.greedy(4, Duration.ofSeconds(2).toNanos(), clock);
        assertThat(bucket.tryConsume(4)).isTrue();
        assertThat(bucket.tryConsume(1)).isFalse();

        clock.advance(Duration.ofMillis(500));

        assertThat(bucket.tryConsume(1)).as("a quarter of the period gives a quarter of the bucket").isTrue();
        assertThat(bucket.tryConsume(1)).isFalse();
    }

    @Test
    void shouldRoundTheWaitUpToWholeSecondsAtLeastOne() {
        assertThat(RateBuckets.retryAfterSeconds(0)).isEqualTo(1);
        assertThat(RateBuckets.retryAfterSeconds(1)).isEqualTo(1);
        assertThat(RateBuckets.retryAfterSeconds(1_000_000_000L)).isEqualTo(1);
        assertThat(RateBuckets.retryAfterSeconds(1_000_000_001L)).isEqualTo(2);
        assertThat(RateBuckets.retryAfterSeconds(2_500_000_000L)).isEqualTo(3);
    }
}
