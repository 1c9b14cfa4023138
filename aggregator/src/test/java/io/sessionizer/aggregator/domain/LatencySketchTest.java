package io.sessionizer.aggregator.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Random;
import org.assertj.core.data.Percentage;
import org.junit.jupiter.api.Test;

class LatencySketchTest {
    @Test
    void shouldAnswerQuantilesWithinOnePercentOfTheExactValue() {
        Random random = new Random(42);
        double[] values = new double[10_000];
        LatencySketch sketch = new LatencySketch();
        for (int i = 0; i < values.length; i++) {
            values[i] = Math.exp(random.nextGaussian() * 1.5 + 7);
            sketch.add(values[i]);
        }
        Arrays.sort(values);
        for (double q : new double[] {0.5, 0.9, 0.99}) {
            double position = q * (values.length - 1);
            int lower = (int) Math.floor(position);
            double exact = values[lower] + (position - lower) * (values[lower + 1] - values[lower]);
            assertThat(sketch.quantile(q)).as("q=%s", q).isCloseTo(exact, Percentage.withPercentage(1));
        }
    }

    @Test
    void shouldForgetARemovedValueExactly() {
        LatencySketch sketch = new LatencySketch();
        sketch.add(100);
        sketch.add(200);
        sketch.add(90_000);
        sketch.remove(90_000);
        sketch.add(300);
        assertThat(sketch.count()).isEqualTo(3);
        assertThat(sketch.quantile(0.99)).isCloseTo(298, Percentage.withPercentage(1));
        assertThat(sketch.quantile(0.5)).isCloseTo(200, Percentage.withPercentage(1));
        assertThat(sketch.indexes()).hasSize(3);
    }

    @Test
    void shouldRoundTripThroughItsBuckets() {
        LatencySketch sketch = new LatencySketch();
        sketch.add(0);
        sketch.add(15);
        sketch.add(1500);
        LatencySketch copy = LatencySketch.of(sketch.indexes(), sketch.counts(), sketch.zeroCount());
        assertThat(copy.count()).isEqualTo(3);
        assertThat(copy.quantile(0.0)).isEqualTo(0.0);
        assertThat(copy.quantile(0.5)).isEqualTo(sketch.quantile(0.5));
    }

    @Test
    void shouldBeEmptyWithoutValues() {
        assertThat(new LatencySketch().quantile(0.5)).isNull();
    }
}
