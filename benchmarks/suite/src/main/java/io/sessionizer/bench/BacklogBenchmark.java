package io.sessionizer.bench;

import io.sessionizer.cli.Subcommand;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code sessionizer bench-backlog}: the {@link Backlog} catch-up alone, against a running broker (the local stack's
 * by default). {@code sessionizer bench} runs the same as its aggregator section.
 */
@Command(name = "bench-backlog",
        description = "Aggregator catch-up on a backlog under exactly-once, against a repartition-only baseline.")
public final class BacklogBenchmark implements Callable<Integer>, Subcommand {
    @Option(names = "--bootstrap-servers", defaultValue = "localhost:9092", description = "Kafka (default: ${DEFAULT-VALUE}).")
    String bootstrapServers;

    @Option(names = "--spans", defaultValue = "1000000", description = "Spans in the backlog (default: ${DEFAULT-VALUE}).")
    long spans;

    @Option(names = "--spans-per-trace", defaultValue = "5", description = "Spans per trace (default: ${DEFAULT-VALUE}).")
    int spansPerTrace;

    @Option(names = "--traces-per-session", defaultValue = "10", description = "Turns per session (default: ${DEFAULT-VALUE}).")
    int tracesPerSession;

    @Option(names = "--sessions-in-flight", defaultValue = "0", description = "Sessions whose turns interleave in the backlog; 0 for all at once, 1 for one session after the other (default: ${DEFAULT-VALUE}).")
    int sessionsInFlight;

    @Option(names = "--partitions", defaultValue = "6", description = "Partitions of the backlog topic (default: ${DEFAULT-VALUE}).")
    int partitions;

    @Option(names = "--work-dir", defaultValue = "${sys:sessionizer.data-dir:-data}/bench", description = "State and logs of the runs (default: ${DEFAULT-VALUE}).")
    Path workDir;

    @Option(names = "--timeout", defaultValue = "PT20M", description = "Give up a run after this long (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Override
    public Integer call() throws Exception {
        Backlog.Result result = new Backlog(new Backlog.Options(bootstrapServers, spans, spansPerTrace,
                tracesPerSession, sessionsInFlight, partitions, workDir, workDir, timeout), System.out::println).run();
        System.out.println();
        System.out.printf(Locale.ROOT, "Input: %.1f MB in Kafka%n%n", result.inputBytes() / 1e6);
        System.out.println("| application (exactly_once_v2) | spans/s | catch-up s | peak RSS MiB | ratio to baseline"
                + " | MB written to Kafka | per input byte |");
        System.out.println("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
        for (Backlog.Run r : List.of(result.baseline(), result.aggregator())) {
            System.out.printf(Locale.ROOT, "| %s | %,.0f | %.1f | %d | %.2f | %,.1f | %.2f |%n", r.name(),
                    r.spansPerSecond(), r.seconds(), r.peakRssBytes() >> 20,
                    r.spansPerSecond() / result.baseline().spansPerSecond(), r.totalBytesWritten() / 1e6,
                    result.bytesPerInputByte(r));
        }
        System.out.println();
        System.out.println("| application | topic | MB written |");
        System.out.println("| --- | --- | ---: |");
        for (Backlog.Run r : List.of(result.baseline(), result.aggregator())) {
            r.bytesWritten().forEach((topic, bytes) -> System.out.printf(Locale.ROOT, "| %s | %s | %,.1f |%n",
                    r.name(), topic, bytes / 1e6));
        }
        return 0;
    }
}
