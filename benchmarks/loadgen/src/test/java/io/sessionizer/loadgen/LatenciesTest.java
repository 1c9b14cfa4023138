package io.sessionizer.loadgen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.withinPercentage;

import org.junit.jupiter.api.Test;

class LatenciesTest {
    @Test
    void shouldTakeTheNearestRankPercentileWithinAThousandth() {
        Latencies latencies = new Latencies();
        for (int i = 1; i <= 100; i++) {
            latencies.record(i * 1_000_000L);
        }

        Latencies.Summary summary = latencies.summary();

        assertThat(summary.p50()).isCloseTo(50.0, withinPercentage(0.1));
        assertThat(summary.p99()).isCloseTo(99.0, withinPercentage(0.1));
        assertThat(summary.p999()).isCloseTo(100.0, withinPercentage(0.1));
        assertThat(summary.max()).isCloseTo(100.0, withinPercentage(0.1));
    }

    @Test
    void shouldAnswerTheOnlyValueForEveryPercentileOfOne() {
        Latencies latencies = new Latencies();
        latencies.record(7_000_000L);

        Latencies.Summary summary = latencies.summary();

        assertThat(summary.p50()).isCloseTo(7.0, withinPercentage(0.1));
        assertThat(summary.p999()).isCloseTo(7.0, withinPercentage(0.1));
    }

    @Test
    void shouldSummarizeInMillisecondsWhateverTheOrderOfRecording() {
        Latencies latencies = new Latencies();
        for (int i = 5_000; i >= 1; i--) {
            latencies.record(i * 1_000_000L);
        }

        Latencies.Summary summary = latencies.summary();

        assertThat(summary.count()).isEqualTo(5_000);
        assertThat(summary.p50()).isCloseTo(2_500.0, withinPercentage(0.1));
        assertThat(summary.p99()).isCloseTo(4_950.0, withinPercentage(0.1));
        assertThat(summary.p999()).isCloseTo(4_995.0, withinPercentage(0.1));
        assertThat(summary.max()).isCloseTo(5_000.0, withinPercentage(0.1));
    }

    @Test
    void shouldReportNothingMeasuredAsNotANumber() {
        Latencies.Summary summary = new Latencies().summary();

        assertThat(summary.count()).isZero();
        assertThat(summary.p50()).isNaN();
        assertThat(summary.p99()).isNaN();
    }
}
