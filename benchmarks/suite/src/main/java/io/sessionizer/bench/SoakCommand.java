package io.sessionizer.bench;

import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.sessionizer.cli.Poll;
import io.sessionizer.cli.Subcommand;
import io.sessionizer.launcher.local.ChildJvm;
import io.sessionizer.launcher.local.ChildMain;
import io.sessionizer.launcher.local.FreePorts;
import io.sessionizer.launcher.local.LocalStack;
import io.sessionizer.loadgen.LoadGenerator;
import io.sessionizer.loadgen.LoadResult;
import io.sessionizer.loadgen.OtlpSender;
import io.sessionizer.loadgen.Protocol;
import io.sessionizer.loadgen.Traffic;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.common.utils.Utils;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code sessionizer soak}: {@code sessionizer local} in a JVM of its own (with its broker child) under steady load
 * for a long time, printing each process's resident memory and the data directory's size once a minute, to see
 * whether memory and disk level off. Opt-in and long: never part of a build.
 */
@Command(name = "soak", sortOptions = false, usageHelpAutoWidth = true,
        description = {
            "Runs 'sessionizer local' as a separate process on free ports and a fresh data directory, sends OTLP"
                    + " traffic at a steady rate, and prints once a minute the accepted spans/s, each process's"
                    + " resident memory (VmRSS: the launcher with registry, ingest and aggregator; the Kafka broker;"
                    + " this load generator) and the data directory's size and growth.",
            "The launcher JVM takes its options from SESSIONIZER_JAVA_OPTS, as ./sessionizer local does."})
public final class SoakCommand implements Callable<Integer>, Subcommand {
    private static final Duration READY_TIMEOUT = Duration.ofMinutes(3);
    private static final Duration MINUTE = Duration.ofMinutes(1);
    private static final long MIB = 1024 * 1024;

    @Option(names = "--minutes", paramLabel = "N", defaultValue = "60",
            description = "How long to send, in minutes. Default: ${DEFAULT-VALUE}")
    int minutes;

    @Option(names = "--rate", paramLabel = "SPANS/S", defaultValue = "10000",
            description = "Spans per second sent. Default: ${DEFAULT-VALUE}")
    double rate;

    @Option(names = "--retention", paramLabel = "TIME", defaultValue = "24h",
            description = "Passed to 'sessionizer local'. Default: ${DEFAULT-VALUE}")
    String retention;

    @Option(names = "--retention-bytes", paramLabel = "SIZE", defaultValue = "1GiB",
            description = "Passed to 'sessionizer local'. Default: ${DEFAULT-VALUE}")
    String retentionBytes;

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "Where the stack keeps its data; kept afterwards. Default: a fresh temporary directory,"
                    + " deleted afterwards")
    Path dataDir;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (minutes < 1 || rate <= 0) {
            throw new ParameterException(spec.commandLine(), "--minutes and --rate must be positive");
        }
        PrintWriter out = spec.commandLine().getOut();
        boolean temporary = dataDir == null;
        Path dir = temporary ? Files.createTempDirectory("sessionizer-soak-") : dataDir.toAbsolutePath();
        int kafkaPort = FreePorts.pair();
        int otlpPort = FreePorts.one();
        Path log = dir.resolve("logs").resolve("launcher.log");
        List<String> jvmOptions = launcherJvmOptions(System.getenv("SESSIONIZER_JAVA_OPTS"));
        ChildJvm launcher = ChildJvm.start("launcher", jvmOptions, System.getProperty("java.class.path"), log,
                LocalStack.LAUNCHER_MAIN_CLASS, List.of("local",
                        "--data-dir", dir.toString(),
                        "--kafka-port", Integer.toString(kafkaPort),
                        "--schema-registry-port", "0",
                        "--otlp-http-port", Integer.toString(otlpPort),
                        "--otlp-grpc-port", "0",
                        "--api-port", "0",
                        "--retention", retention,
                        "--retention-bytes", retentionBytes));
        AtomicReference<LoadGenerator> generator = new AtomicReference<>();
        Thread stopper = new Thread(() -> {
            Optional.ofNullable(generator.get()).ifPresent(LoadGenerator::stop);
            launcher.close();
        }, "soak-stop");
        Runtime.getRuntime().addShutdownHook(stopper);
        try {
            out.printf(Locale.ROOT, "Starting 'sessionizer local' (pid %d, JVM options %s), data in %s, log in %s%n",
                    launcher.pid(), jvmOptions.isEmpty() ? "none" : String.join(" ", jvmOptions), dir, log);
            out.flush();
            awaitReady(launcher, log);
            out.printf(Locale.ROOT, "Ready. Sending %,.0f spans/s over OTLP/HTTP for %d min.%n%n", rate, minutes);
            out.println(Row.HEADER);
            out.flush();
            return soak(out, launcher, dir, otlpPort, generator);
        } finally {
            launcher.close();
            Runtime.getRuntime().removeShutdownHook(stopper);
            if (temporary) {
                try {
                    Utils.delete(dir.toFile());
                } catch (IOException | UncheckedIOException e) {
                    out.println("Could not delete " + dir + ": " + e);
                }
            }
        }
    }

    private int soak(PrintWriter out, ChildJvm launcher, Path dir, int otlpPort,
            AtomicReference<LoadGenerator> generator) throws Exception {
        long seed = ThreadLocalRandom.current().nextLong(1L << 40);
        Traffic traffic = new Traffic(seed, new Traffic.Shape(100, 10, 5), "soak-" + Long.toString(seed, 36));
        AtomicLong accepted = new AtomicLong();
        CompletableFuture<LoadResult> result;
        try (OtlpSender sender = counting(OtlpSender.connect(Protocol.HTTP, "http://localhost:" + otlpPort, null,
                Duration.ofSeconds(10)), accepted)) {
            generator.set(new LoadGenerator(sender, traffic, new LoadGenerator.Settings(500, rate, 16, Duration.ZERO,
                    Duration.ofMinutes(minutes), Long.MAX_VALUE)));
            result = CompletableFuture.supplyAsync(() -> {
                try {
                    return generator.get().run(line -> { }, Duration.ZERO);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            });
            long start = System.nanoTime();
            Row previous = Row.sample(0, launcher, dir, 0, null);
            out.println(previous);
            out.flush();
            for (int minute = 1; minute <= minutes; minute++) {
                long wait = start + MINUTE.toNanos() * minute - System.nanoTime();
                if (wait > 0) {
                    Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                }
                if (!launcher.onExit().isDone()) {
                    Row row = Row.sample(minute, launcher, dir, accepted.get(), previous);
                    out.println(row);
                    out.flush();
                    previous = row;
                } else {
                    out.println("The launcher exited (" + launcher.onExit().join().exitValue() + "); see "
                            + launcher.log());
                    generator.get().stop();
                    return 1;
                }
            }
            LoadResult total = result.join();
            out.println();
            out.println(total.describe());
            out.flush();
            return 0;
        }
    }

    /** One line of the table: a minute's throughput, each process's VmRSS, and the data directory. */
    private static final class Row {
        static final String HEADER = String.format(Locale.ROOT, "%4s %10s %13s %11s %12s %10s %13s",
                "min", "spans/s", "launcher MiB", "broker MiB", "loadgen MiB", "data MiB", "data +MB/s");
        final int minute;
        final long acceptedTotal;
        final long spans;
        final Map<String, Long> rss;
        final long dataBytes;
        final long previousDataBytes;

        private Row(int minute, long acceptedTotal, long spans, Map<String, Long> rss, long dataBytes,
                long previousDataBytes) {
            this.minute = minute;
            this.acceptedTotal = acceptedTotal;
            this.spans = spans;
            this.rss = rss;
            this.dataBytes = dataBytes;
            this.previousDataBytes = previousDataBytes;
        }

        /** @param previous the row of the minute before; null for the first */
        static Row sample(int minute, ChildJvm launcher, Path dir, long acceptedTotal, Row previous) {
            Map<String, Long> rss = new LinkedHashMap<>();
            rss.put("launcher", ChildJvm.rss(launcher.pid()));
            ProcessHandle.of(launcher.pid()).ifPresent(p -> p.descendants().forEach(child ->
                    rss.merge(role(child), ChildJvm.rss(child.pid()), Long::sum)));
            rss.put("loadgen", ChildJvm.rss(ProcessHandle.current().pid()));
            long dataBytes = sizeOf(dir);
            return previous == null ? new Row(minute, acceptedTotal, 0, rss, dataBytes, dataBytes)
                    : new Row(minute, acceptedTotal, acceptedTotal - previous.acceptedTotal, rss, dataBytes,
                            previous.dataBytes);
        }

        @Override
        public String toString() {
            double seconds = MINUTE.toSeconds();
            return String.format(Locale.ROOT, "%4d %,10.0f %,13d %,11d %,12d %,10d %13s", minute,
                    spans / seconds, mib(rss.get("launcher")), mib(rss.getOrDefault("broker", -1L)),
                    mib(rss.get("loadgen")), dataBytes / MIB, minute == 0 ? "" : String.format(Locale.ROOT,
                            "%.2f", (dataBytes - previousDataBytes) / seconds / 1e6))
                    + others();
        }

        private String others() {
            StringBuilder more = new StringBuilder();
            rss.forEach((name, bytes) -> {
                if (!List.of("launcher", "broker", "loadgen").contains(name)) {
                    more.append("  ").append(name).append(' ').append(mib(bytes)).append(" MiB");
                }
            });
            return more.toString();
        }

        private static long mib(Long bytes) {
            return bytes == null || bytes < 0 ? -1 : bytes / MIB;
        }
    }

    /** The broker, or the main class a child JVM runs. */
    static String role(ProcessHandle child) {
        List<String> args = Arrays.asList(child.info().arguments().orElse(new String[0]));
        int main = args.indexOf(ChildMain.class.getName());
        if (main < 0 || main + 1 >= args.size()) {
            return "pid " + child.pid();
        }
        String mainClass = args.get(main + 1);
        return mainClass.endsWith(".BrokerMain") ? "broker" : mainClass.substring(mainClass.lastIndexOf('.') + 1);
    }

    private static OtlpSender counting(OtlpSender sender, AtomicLong accepted) {
        return new OtlpSender() {
            @Override
            public CompletableFuture<Long> send(ExportTraceServiceRequest request, long spans) {
                return sender.send(request, spans).thenApply(this::count);
            }

            @Override
            public CompletableFuture<Long> sendLogs(ExportLogsServiceRequest request, long records) {
                return sender.sendLogs(request, records).thenApply(this::count);
            }

            private long count(long n) {
                accepted.addAndGet(n);
                return n;
            }

            @Override
            public void close() {
                sender.close();
            }
        };
    }

    static List<String> launcherJvmOptions(String env) {
        return env == null || env.isBlank() ? List.of() : List.of(env.trim().split("\\s+"));
    }

    private static void awaitReady(ChildJvm launcher, Path log) throws IOException, InterruptedException {
        boolean ready = Poll.until(READY_TIMEOUT, Duration.ofMillis(500), () -> {
            if (Files.exists(log) && Files.readString(log).contains("Sessionizer is ready")) {
                return true;
            }
            if (launcher.onExit().isDone()) {
                throw new IllegalStateException("'sessionizer local' exited while starting; see " + log);
            }
            return false;
        });
        if (!ready) {
            throw new IllegalStateException("'sessionizer local' not ready after " + READY_TIMEOUT.toMinutes()
                    + " min; see " + log);
        }
    }

    /**
     * Disk space used under {@code dir}, as {@code du} counts it: Kafka preallocates its index files sparsely, so the
     * files' sizes would claim gigabytes that no disk holds. -1 when {@code du} cannot tell.
     */
    static long sizeOf(Path dir) {
        try {
            Process du = new ProcessBuilder("du", "-sk", dir.toString()).redirectErrorStream(true).start();
            String output = new String(du.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            // du exits with 1 when a file vanished while it walked (a deleted segment) and still prints the total.
            du.waitFor();
            String lastLine = output.substring(output.lastIndexOf('\n') + 1);
            return Long.parseLong(lastLine.split("\\s+")[0]) * 1024;
        } catch (IOException | NumberFormatException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }
}
