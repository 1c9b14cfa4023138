package io.sessionizer.bench.suite;

import java.util.Locale;

/** What a figure should reach: a bound on its value, or on its ratio to its baseline. */
public record Target(Kind kind, double bound) {
    /** How the bound applies. */
    public enum Kind {
        AT_LEAST, AT_MOST, BELOW, RATIO_AT_LEAST
    }

    public static Target atLeast(double bound) {
        return new Target(Kind.AT_LEAST, bound);
    }

    public static Target atMost(double bound) {
        return new Target(Kind.AT_MOST, bound);
    }

    public static Target below(double bound) {
        return new Target(Kind.BELOW, bound);
    }

    public static Target ratioAtLeast(double bound) {
        return new Target(Kind.RATIO_AT_LEAST, bound);
    }

    /** Whether the figure meets it; never when the figure (or the ratio it needs) was not measured. */
    public boolean metBy(Figure figure) {
        double value = kind == Kind.RATIO_AT_LEAST ? figure.ratio() : figure.value();
        if (Double.isNaN(value)) {
            return false;
        }
        return switch (kind) {
            case AT_LEAST, RATIO_AT_LEAST -> value >= bound;
            case AT_MOST -> value <= bound;
            case BELOW -> value < bound;
        };
    }

    /** E.g. {@code ≥ 50,000 spans/s}, {@code ≤ 2.0 bytes/input byte}, {@code < 500 ms}, {@code ≥ 0.60 × baseline}. */
    public String describe(String unit) {
        String value = bound == Math.rint(bound) ? String.format(Locale.ROOT, "%,.0f", bound) : Double.toString(bound);
        return switch (kind) {
            case AT_LEAST -> "≥ " + value + " " + unit;
            case AT_MOST -> "≤ " + value + " " + unit;
            case BELOW -> "< " + value + " " + unit;
            case RATIO_AT_LEAST -> String.format(Locale.ROOT, "≥ %.2f × baseline", bound);
        };
    }
}
