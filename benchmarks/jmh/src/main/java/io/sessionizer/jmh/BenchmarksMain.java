package io.sessionizer.jmh;

import java.util.Collection;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.CommandLineOptions;

/**
 * JMH's command line ({@code -f}, {@code -wi}, {@code -i}, a benchmark regex, {@code -h} ...), then a Markdown table
 * of every score next to the {@code baseline} method of its class with the same parameters, and their ratio: how many
 * times the baseline's time the measured code takes. The table gives the median of the measurement iterations and
 * their range rather than JMH's mean: on a machine shared with other work, an iteration that lost the CPU to it is
 * an outlier that the median ignores and the mean does not.
 */
public final class BenchmarksMain {
    private static final String BASELINE = "baseline";

    private BenchmarksMain() {
    }

    public static void main(String[] args) throws Exception {
        CommandLineOptions options = new CommandLineOptions(args);
        if (options.shouldHelp() || options.shouldList() || options.shouldListWithParams()
                || options.shouldListProfilers() || options.shouldListResultFormats()) {
            org.openjdk.jmh.Main.main(args);
            return;
        }
        print(new Runner(options).run());
    }

    private static void print(Collection<RunResult> results) {
        Map<String, Result<?>> baselines = new HashMap<>();
        for (RunResult run : results) {
            if (method(run.getParams()).equals(BASELINE)) {
                baselines.put(pairKey(run.getParams()), run.getPrimaryResult());
            }
        }
        System.out.println();
        System.out.println("| benchmark | parameters | median (min – max) | baseline median (min – max) | ratio |");
        System.out.println("| --- | --- | ---: | ---: | ---: |");
        for (RunResult run : results) {
            BenchmarkParams params = run.getParams();
            if (method(params).equals(BASELINE)) {
                continue;
            }
            Result<?> score = run.getPrimaryResult();
            Result<?> baseline = baselines.get(pairKey(params));
            System.out.printf(Locale.ROOT, "| %s.%s | %s | %s | %s | %s |%n", simpleClass(params), method(params),
                    parameters(params), format(score), baseline == null ? "-" : format(baseline),
                    baseline == null ? "-" : String.format(Locale.ROOT, "%.2f", median(score) / median(baseline)));
        }
    }

    private static String format(Result<?> result) {
        return String.format(Locale.ROOT, "%.3f (%.3f – %.3f) %s", median(result), result.getStatistics().getMin(),
                result.getStatistics().getMax(), result.getScoreUnit());
    }

    private static double median(Result<?> result) {
        return result.getStatistics().getPercentile(50);
    }

    /** The class and the parameter values: a measured method and its baseline share it. */
    private static String pairKey(BenchmarkParams params) {
        String benchmark = params.getBenchmark();
        return benchmark.substring(0, benchmark.lastIndexOf('.')) + " " + parameters(params);
    }

    private static String parameters(BenchmarkParams params) {
        return params.getParamsKeys().stream().map(k -> k + "=" + params.getParam(k))
                .collect(Collectors.joining(", "));
    }

    private static String method(BenchmarkParams params) {
        String benchmark = params.getBenchmark();
        return benchmark.substring(benchmark.lastIndexOf('.') + 1);
    }

    private static String simpleClass(BenchmarkParams params) {
        String benchmark = params.getBenchmark();
        String type = benchmark.substring(0, benchmark.lastIndexOf('.'));
        return type.substring(type.lastIndexOf('.') + 1);
    }
}
