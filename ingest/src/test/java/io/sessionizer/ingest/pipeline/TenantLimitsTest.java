package io.sessionizer.ingest.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sessionizer.config.Config;
import io.sessionizer.config.ConfigException;
import io.sessionizer.ingest.IngestSettings;
import io.sessionizer.testing.ManualClock;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TenantLimitsTest {
    private final ManualClock clock = new ManualClock();

    private TenantLimits limits(long spansPerSecond, long bytesPerSecond, Duration burst, String overrides) {
        return new TenantLimits(new TenantLimits.Rates(spansPerSecond, bytesPerSecond),
                TenantLimits.parseOverrides(overrides), burst, clock);
    }

    @Test
    void shouldAdmitUpToRateTimesBurstAtOnceThenRefuseUntilTheRefill() {
        TenantLimits limits = limits(100, 0, Duration.ofSeconds(2), "");

        assertThat(limits.tryAcquire("acme", 10, 150)).isEmpty();
        assertThat(limits.tryAcquire("acme", 10, 50)).isEmpty();
        TenantLimits.Refusal refusal = limits.tryAcquire("acme", 10, 30).orElseThrow();

        assertThat(refusal.reason()).isEqualTo(RejectReason.SPANS_RATE);
        // 30 spans at 100 per second: 300 ms, said as one whole second.
        assertThat(refusal.retryAfter()).isEqualTo(Duration.ofSeconds(1));
        assertThat(refusal.message()).isEqualTo("Tenant 'acme' is over its limit of 100 spans per second (at most "
                + "200 at once); retry in 1 s");
        clock.advance(Duration.ofMillis(299));
        assertThat(limits.tryAcquire("acme", 10, 30)).isPresent();
        clock.advance(Duration.ofMillis(1));
        assertThat(limits.tryAcquire("acme", 10, 30)).isEmpty();
    }

    @Test
    void shouldRefillContinuouslyNotInSteps() {
        TenantLimits limits = limits(1000, 0, Duration.ofSeconds(1), "");
        assertThat(limits.tryAcquire("acme", 0, 1000)).isEmpty();

        clock.advance(Duration.ofMillis(10));

        assertThat(limits.tryAcquire("acme", 0, 10)).isEmpty();
        assertThat(limits.tryAcquire("acme", 0, 1)).isPresent();
    }

    @Test
    void shouldKeepEachTenantToItsOwnBuckets() {
        TenantLimits limits = limits(10, 0, Duration.ofSeconds(1), "");

        assertThat(limits.tryAcquire("acme", 0, 10)).isEmpty();
        assertThat(limits.tryAcquire("acme", 0, 1)).isPresent();

        assertThat(limits.tryAcquire("globex", 0, 10)).isEmpty();
    }

    @Test
    void shouldAdmitARequestLargerThanTheBucketWhenFullAndLeaveItInDebt() {
        TenantLimits limits = limits(0, 1000, Duration.ofSeconds(1), "");

        assertThat(limits.tryAcquire("acme", 3000, 0)).isEmpty();

        // 2000 bytes of debt and 1000 of capacity: full again after 3 s.
        TenantLimits.Refusal refusal = limits.tryAcquire("acme", 1, 0).orElseThrow();
        assertThat(refusal.reason()).isEqualTo(RejectReason.BYTES_RATE);
        assertThat(refusal.retryAfter()).isEqualTo(Duration.ofSeconds(3));
        clock.advance(Duration.ofMillis(2000));
        assertThat(limits.tryAcquire("acme", 3000, 0)).as("not full yet").isPresent();
        clock.advance(Duration.ofMillis(1000));
        assertThat(limits.tryAcquire("acme", 3000, 0)).isEmpty();
    }

    @Test
    void shouldTakeFromBothBucketsOrFromNeither() {
        TenantLimits limits = limits(10, 1000, Duration.ofSeconds(1), "");
        assertThat(limits.tryAcquire("acme", 100, 10)).isEmpty();

        assertThat(limits.tryAcquire("acme", 100, 1).orElseThrow().reason()).isEqualTo(RejectReason.SPANS_RATE);

        // The refused request took no bytes: 900 are left.
        assertThat(limits.tryAcquire("acme", 900, 0)).isEmpty();
        assertThat(limits.tryAcquire("acme", 1, 0).orElseThrow().reason()).isEqualTo(RejectReason.BYTES_RATE);
    }

    @Test
    void shouldGiveBackWhatARequestRefusedLaterTook() {
        TenantLimits limits = limits(10, 1000, Duration.ofSeconds(1), "");
        assertThat(limits.tryAcquire("acme", 1000, 10)).isEmpty();

        limits.release("acme", 1000, 10);

        assertThat(limits.tryAcquire("acme", 1000, 10)).isEmpty();
    }

    @Test
    void shouldApplyEachOverrideToItsTenantOnlyAndKeepTheDefaultOfTheOtherRate() {
        TenantLimits limits = limits(10, 1000, Duration.ofSeconds(1),
                "acme:spans-per-second=50, free:bytes-per-second=1KiB,free:spans-per-second=0");

        assertThat(limits.rates("acme")).isEqualTo(new TenantLimits.Rates(50, 1000));
        assertThat(limits.rates("free")).isEqualTo(new TenantLimits.Rates(0, 1024));
        assertThat(limits.rates("other")).isEqualTo(new TenantLimits.Rates(10, 1000));
        assertThat(limits.tryAcquire("acme", 0, 50)).isEmpty();
        assertThat(limits.tryAcquire("free", 0, 1_000_000)).as("0 = no limit").isEmpty();
        assertThat(limits.tryAcquire("other", 0, 10)).isEmpty();
        assertThat(limits.tryAcquire("other", 0, 1)).isPresent();
    }

    @Test
    void shouldLimitNothingByDefault() {
        TenantLimits limits = TenantLimits.fromConfig(Config.load(IngestSettings.all(), Map.of(), Map.of()));

        assertThat(limits.tryAcquire("acme", Long.MAX_VALUE / 2, Long.MAX_VALUE / 2)).isEmpty();
    }

    @Test
    void shouldReadTheSettings() {
        TenantLimits limits = TenantLimits.fromConfig(Config.load(IngestSettings.all(), Map.of(), Map.of(
                "limits.spans-per-second", "100", "limits.bytes-per-second", "1MiB", "limits.burst", "500ms",
                "limits.tenant-overrides", "acme:spans-per-second=50000")));

        assertThat(limits.rates("x")).isEqualTo(new TenantLimits.Rates(100, 1 << 20));
        assertThat(limits.rates("acme")).isEqualTo(new TenantLimits.Rates(50_000, 1 << 20));
        assertThat(limits.tryAcquire("x", 0, 50)).isEmpty();
        assertThat(limits.tryAcquire("x", 0, 1)).as("100/s x 500ms holds 50").isPresent();
    }

    @Test
    void shouldHoldAtLeastOneTokenAndKeepTheRateForTinyBursts() {
        TenantLimits limits = limits(1, 0, Duration.ofMillis(100), "");

        assertThat(limits.tryAcquire("acme", 0, 1)).isEmpty();
        assertThat(limits.tryAcquire("acme", 0, 1).orElseThrow().retryAfter()).isEqualTo(Duration.ofSeconds(1));
        clock.advance(Duration.ofSeconds(1));
        assertThat(limits.tryAcquire("acme", 0, 1)).isEmpty();
    }

    @Test
    void shouldSizeTheBucketInWholeNumbers() {
        TenantLimits limits = limits(10, 0, Duration.ofMillis(300), "");

        assertThat(limits.tryAcquire("acme", 0, 3)).isEmpty();
        assertThat(limits.tryAcquire("acme", 0, 1)).as("10/s x 300ms holds 3, not 4").isPresent();
    }

    @Test
    void shouldHandleLargeRatesAndBursts() {
        TenantLimits limits = limits(0, 8L << 30, Duration.ofSeconds(60), "");

        assertThat(limits.tryAcquire("acme", 60 * (8L << 30), 0)).isEmpty();
        assertThat(limits.tryAcquire("acme", 8L << 30, 0).orElseThrow().retryAfter())
                .isBetween(Duration.ofSeconds(1), Duration.ofSeconds(2));
    }

    @Test
    void shouldRefuseInvalidOverridesNamingTheEntry() {
        for (String[] invalid : new String[][] {
                {"acme=5", "invalid entry 'acme=5'"},
                {"acme:spans-per-second", "invalid entry 'acme:spans-per-second'"},
                {"Acme:spans-per-second=5", "the tenant must match"},
                {"acme:requests-per-second=5", "unknown limit 'requests-per-second'"},
                {"acme:spans-per-second=many", "invalid entry 'acme:spans-per-second=many': not a whole number"},
                {"acme:spans-per-second=-1", "must not be negative"},
                {"acme:bytes-per-second=1XB", "not a size"},
                {"acme:spans-per-second=1,acme:spans-per-second=2", "is given twice"}}) {
            assertThatThrownBy(() -> Config.load(IngestSettings.all(), Map.of(),
                    Map.of("limits.tenant-overrides", invalid[0])))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining("limits.tenant-overrides")
                    .hasMessageContaining(invalid[1]);
        }
    }

    @Test
    void shouldRefuseABurstUnderOneMillisecond() {
        assertThatThrownBy(() -> TenantLimits.fromConfig(Config.load(IngestSettings.all(), Map.of(),
                Map.of("limits.burst", "0s"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("limits.burst");
    }
}
