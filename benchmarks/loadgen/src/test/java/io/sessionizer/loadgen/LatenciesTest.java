package io.sessionizer.loadgen;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LatenciesTest {
    @Test
    void shouldTakeTheNearestRankPercentile() {
        long[] sorted = new long[100];
        for (int i = 0; i < 100; i++) {
            sorted[i] = i + 1;
        }

        assertThat(Latencies.percentile(sorted, 50)).isEqualTo(50);
        assertThat(Latencies.percentile(sorted, 99)).isEqualTo(99);
        assertThat(Latencies.percentile(sorted, 99.9)).isEqualTo(100);
        assertThat(Latencies.percentile(sorted, 100)).isEqualTo(100);
        assertThat(Latencies.percentile(sorted, 0)).isEqualTo(1);
    }

    @Test
    void shouldAnswerTheOnlyValueForEveryPercentileOfOne() {
        assertThat(Latencies.percentile(new long[] {7}, 50)).isEqualTo(7);
        assertThat(Latencies.percentile(new long[] {7}, 99.9)).isEqualTo(7);
    }

    @Test
    void shouldSummarizeInMillisecondsWhateverTheOrderOfRecording() {
        Latencies latencies = new Latencies();
        for (int i = 5_000; i >= 1; i--) {
            latencies.record(i * 1_000_000L);
        }

        Latencies.Summary summary = latencies.summary();

        assertThat(summary.count()).isEqualTo(5_000);
        assertThat(summary.p50()).isEqualTo(2_500.0);
        assertThat(summary.p99()).isEqualTo(4_950.0);
        assertThat(summary.p999()).isEqualTo(4_995.0);
        assertThat(summary.max()).isEqualTo(5_000.0);
    }

    @Test
    void shouldReportNothingMeasuredAsNotANumber() {
        Latencies.Summary summary = new Latencies().summary();

        assertThat(summary.count()).isZero();
        assertThat(summary.p50()).isNaN();
        assertThat(summary.p99()).isNaN();
    }
}
