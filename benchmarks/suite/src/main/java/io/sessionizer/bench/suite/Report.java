package io.sessionizer.bench.suite;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A benchmark run as one table: every figure with its baseline, ratio and targets, and what it ran on. Markdown for
 * people, JSON (the same figures, plus every setting) for comparing runs with tools.
 */
public record Report(Instant startedAt, Duration elapsed, Machine machine, double loadAverageAtEnd,
        Map<String, String> versions, Map<String, Object> settings, List<Figure> figures) {
    private static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'")
            .withZone(ZoneOffset.UTC);

    public String markdown() {
        StringBuilder md = new StringBuilder();
        md.append(String.format(Locale.ROOT, "Run of %s, %.1f min. Machine: %d cores, %.1f GiB, %s; %s; %s."
                        + " Load average %.2f at the start, %.2f at the end. Versions: %s.%n%n",
                WHEN.format(startedAt), elapsed.toMillis() / 60_000.0, machine.cores(),
                machine.memoryBytes() / (double) (1L << 30), machine.cpu(), machine.os(), machine.jvm(),
                machine.loadAverage(), loadAverageAtEnd, versions.entrySet().stream()
                        .map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", "))));
        md.append("| section | figure | value | baseline | ratio | target | result |\n");
        md.append("| --- | --- | ---: | --- | ---: | --- | --- |\n");
        for (Figure f : figures) {
            md.append("| ").append(f.section())
                    .append(" | ").append(f.name())
                    .append(f.samples() > 0 ? String.format(Locale.ROOT, " (%,d samples)", f.samples()) : "")
                    .append(" | ").append(Figure.format(f.value(), f.unit())).append(' ').append(f.unit())
                    .append(" | ").append(f.baseline() == null ? "" : Figure.format(f.baseline().value(), f.unit())
                            + " " + f.unit() + ", " + f.baseline().name())
                    .append(" | ").append(Double.isNaN(f.ratio()) ? "" : ratio(f.ratio()))
                    .append(" | ").append(f.targets().stream().map(t -> t.describe(f.unit()))
                            .collect(Collectors.joining("; ")))
                    .append(" | ").append(f.targets().isEmpty() ? "" : f.targets().stream()
                            .map(t -> t.metBy(f) ? "met" : "**missed**").collect(Collectors.joining("; ")))
                    .append(" |\n");
        }
        return md.toString();
    }

    public String json() {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("started_at", startedAt.toString());
        root.put("elapsed_s", elapsed.toMillis() / 1000.0);
        Map<String, Object> host = new LinkedHashMap<>();
        host.put("cores", machine.cores());
        host.put("memory_bytes", machine.memoryBytes());
        host.put("cpu", machine.cpu());
        host.put("os", machine.os());
        host.put("jvm", machine.jvm());
        host.put("load_average_at_start", number(machine.loadAverage()));
        host.put("load_average_at_end", number(loadAverageAtEnd));
        root.put("machine", host);
        root.put("versions", versions);
        root.put("settings", settings);
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Figure f : figures) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("section", f.section());
            row.put("name", f.name());
            row.put("value", number(f.value()));
            row.put("unit", f.unit());
            row.put("samples", f.samples() > 0 ? f.samples() : null);
            Map<String, Object> baseline = new LinkedHashMap<>();
            if (f.baseline() != null) {
                baseline.put("name", f.baseline().name());
                baseline.put("value", number(f.baseline().value()));
            }
            row.put("baseline", f.baseline() == null ? null : baseline);
            row.put("ratio", number(f.ratio()));
            List<Map<String, Object>> targets = new ArrayList<>();
            for (Target t : f.targets()) {
                Map<String, Object> target = new LinkedHashMap<>();
                target.put("kind", t.kind().name().toLowerCase(Locale.ROOT));
                target.put("bound", t.bound());
                target.put("text", t.describe(f.unit()));
                target.put("met", t.metBy(f));
                targets.add(target);
            }
            row.put("targets", targets);
            rows.add(row);
        }
        root.put("figures", rows);
        try {
            return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(root) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Cannot write the report as JSON", e);
        }
    }

    /** Rounded down to three decimals: rounded to nearest, 0.5998 would read as meeting a target of 0.60. */
    static String ratio(double ratio) {
        return String.format(Locale.ROOT, "%.3f", Math.floor(ratio * 1000) / 1000);
    }

    /** JSON has no NaN: a figure that was not measured is null. */
    private static Object number(double value) {
        return Double.isNaN(value) || Double.isInfinite(value) ? null : value;
    }
}
