package io.sessionizer.bench.suite;

import java.util.List;
import java.util.Locale;

/**
 * One measured number of a benchmark run, with what it compares to: a baseline measured in the same run (or none)
 * and the targets it should meet.
 *
 * @param samples how many measurements a percentile comes from; 0 when not a percentile
 * @param baseline null when the figure has none
 */
public record Figure(String section, String name, double value, String unit, long samples, Baseline baseline,
        List<Target> targets) {

    /** A number measured in the same run that bounds or frames the figure, e.g. a plain Kafka producer's rate. */
    public record Baseline(String name, double value) {
    }

    public static Figure of(String section, String name, double value, String unit) {
        return new Figure(section, name, value, unit, 0, null, List.of());
    }

    public Figure withBaseline(String baselineName, double baselineValue) {
        return new Figure(section, name, value, unit, samples, new Baseline(baselineName, baselineValue), targets);
    }

    public Figure withTargets(Target... more) {
        return new Figure(section, name, value, unit, samples, baseline, List.of(more));
    }

    public Figure withSamples(long count) {
        return new Figure(section, name, value, unit, count, baseline, targets);
    }

    /** Value over baseline; NaN without a baseline. */
    public double ratio() {
        return baseline == null || baseline.value() == 0 ? Double.NaN : value / baseline.value();
    }

    public boolean allTargetsMet() {
        return targets.stream().allMatch(t -> t.metBy(this));
    }

    /** The unit of the write amplification figures: bytes written to Kafka per byte of input. */
    static final String BYTES_PER_INPUT_BYTE = "bytes/input byte";

    /**
     * A value as the table shows it in its unit: whole spans, one decimal for MB, MB/s and seconds, two for bytes per
     * input byte, milliseconds to 0.01 below 10.
     */
    static String format(double value, String unit) {
        if (Double.isNaN(value)) {
            return "n/a";
        }
        return switch (unit) {
            case "ms" -> String.format(Locale.ROOT, value < 10 ? "%.2f" : "%,.1f", value);
            case "MB/s", "MB", "s" -> String.format(Locale.ROOT, "%,.1f", value);
            case BYTES_PER_INPUT_BYTE -> String.format(Locale.ROOT, "%.2f", value);
            default -> String.format(Locale.ROOT, "%,.0f", value);
        };
    }
}
