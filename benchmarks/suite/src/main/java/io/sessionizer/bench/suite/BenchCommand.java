package io.sessionizer.bench.suite;

import io.sessionizer.bench.Backlog;
import io.sessionizer.bench.TopicBytes;
import io.sessionizer.cli.Subcommand;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.kafka.common.utils.AppInfoParser;
import org.apache.kafka.common.utils.Utils;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code sessionizer bench}: the whole benchmark, one table. */
@Command(name = "bench", sortOptions = false, usageHelpAutoWidth = true,
        description = {
            "Starts the local stack on free ports (a KRaft broker, the Schema Registry, ingest and aggregators as"
                    + " child JVMs), drives it with the load generator and prints one table: ingest throughput over"
                    + " OTLP/HTTP and gRPC, and of OTLP logs to /v1/logs, each against a plain Kafka producer;"
                    + " aggregator catch-up under exactly-once and"
                    + " the bytes it writes to Kafka per input byte, against a repartition-only Streams app;"
                    + " end-to-end freshness at 10,000 and 20,000 spans/s; the latency of lookups, lists, search,"
                    + " facets and stats over the stored sessions at 10,000 spans/s; the index rebuild after the state"
                    + " directory is wiped; lookups with two aggregator instances; and each process's memory.",
            "The table is also written as Markdown and JSON (with the machine and every setting) to --out."})
public final class BenchCommand implements Callable<Integer>, Subcommand {
    static final String AGGREGATOR = "aggregator";
    static final List<String> SECTIONS = List.of(IngestSection.NAME, AGGREGATOR, ServingSection.FRESHNESS,
            ServingSection.QUERIES);
    /** The aggregator should catch up at least this fast, and at least this share of the baseline's rate. */
    static final double AGGREGATOR_TARGET = 50_000;
    static final double AGGREGATOR_TARGET_RATIO = 0.6;
    /** Bytes the aggregator should write to Kafka at most per byte of input. */
    static final double WRITTEN_TARGET = 2.0;
    private static final DateTimeFormatter FILE_TIME = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")
            .withZone(ZoneOffset.UTC);

    @Option(names = "--sections", paramLabel = "LIST", split = ",",
            defaultValue = "ingest,aggregator,freshness,queries",
            description = "Sections to run, comma-separated, of: ${DEFAULT-VALUE}. Default: all")
    List<String> sections;

    @Option(names = "--quick", description = "A smoke run of a few minutes: shorter measurements, a backlog of"
            + " 100,000 spans and 10,000 stored sessions. Its figures are not comparable with a full run's.")
    boolean quick;

    @Option(names = "--stored-sessions", paramLabel = "N",
            description = "Sessions stored before the freshness and query measurements (and rebuilt after the"
                    + " state directory is wiped). Default: 1,000,000; 10,000 with --quick")
    Integer storedSessions;

    @Option(names = "--backlog-spans", paramLabel = "N",
            description = "Spans of the aggregator section's backlog. Default: 1,000,000; 100,000 with --quick")
    Long backlogSpans;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "bench-results",
            description = "Where the Markdown and JSON results go, one pair per run. Default: ${DEFAULT-VALUE}")
    Path out;

    @Option(names = "--work-dir", paramLabel = "DIR", defaultValue = "${sys:sessionizer.data-dir:-data}/bench",
            description = "Where a run keeps its broker data, state stores and logs. Default: ${DEFAULT-VALUE}")
    Path workDir;

    @Option(names = "--keep-data", description = "Keep the run's Kafka data and state stores (the logs are always"
            + " kept).")
    boolean keepData;

    @Spec
    CommandSpec spec;

    /** The sections asked for, in the order given; a parameter error names an unknown one. */
    Set<String> chosenSections() {
        Set<String> chosen = new LinkedHashSet<>();
        for (String section : sections) {
            String name = section.trim().toLowerCase(Locale.ROOT);
            if (!SECTIONS.contains(name)) {
                throw new ParameterException(spec.commandLine(), "Unknown section '" + section + "'; choose from "
                        + String.join(",", SECTIONS));
            }
            chosen.add(name);
        }
        return chosen;
    }

    /** The size of the run: the default or --quick, with --stored-sessions and --backlog-spans applied. */
    BenchSize size() {
        BenchSize size = quick ? BenchSize.QUICK : BenchSize.DEFAULT;
        if (storedSessions != null) {
            if (storedSessions < 1) {
                throw new ParameterException(spec.commandLine(), "--stored-sessions must be at least 1, not "
                        + storedSessions);
            }
            size = size.withStoredSessions(storedSessions);
        }
        if (backlogSpans != null) {
            if (backlogSpans < BenchLoad.SHAPE.spansPerTurn()) {
                throw new ParameterException(spec.commandLine(), "--backlog-spans must be at least "
                        + BenchLoad.SHAPE.spansPerTurn() + " (one trace), not " + backlogSpans);
            }
            size = size.withBacklogSpans(backlogSpans);
        }
        return size;
    }

    @Override
    public Integer call() throws Exception {
        Set<String> chosen = chosenSections();
        BenchSize size = size();
        PrintWriter console = spec.commandLine().getOut();
        Consumer<String> say = line -> {
            console.println(line);
            console.flush();
        };
        Instant started = Instant.now();
        Machine machine = Machine.describe();
        String run = Long.toString(started.toEpochMilli(), 36);
        Path runDir = workDir.resolve("run-" + run).toAbsolutePath();
        say.accept(String.format(Locale.ROOT, "Benchmark %s (%s size): %s; %d cores, load average %.2f; work dir %s",
                run, size.name(), String.join(", ", chosen), machine.cores(), machine.loadAverage(), runDir));

        List<Figure> figures = new ArrayList<>();
        Map<String, Long> memory;
        BenchStack stack = BenchStack.start(runDir);
        Thread stopOnExit = new Thread(stack::close, "bench-stop");
        Runtime.getRuntime().addShutdownHook(stopOnExit);
        try {
            if (chosen.contains(IngestSection.NAME)) {
                say.accept(System.lineSeparator() + "== Ingest ==");
                figures.addAll(new IngestSection(stack, size, say).run(run));
            }
            if (chosen.contains(AGGREGATOR)) {
                say.accept(System.lineSeparator() + "== Aggregator catch-up and bytes written ==");
                figures.addAll(aggregator(stack, size, runDir, say));
            }
            boolean freshness = chosen.contains(ServingSection.FRESHNESS);
            boolean queries = chosen.contains(ServingSection.QUERIES);
            if (freshness || queries) {
                say.accept(System.lineSeparator() + "== Freshness, queries and rebuild ==");
                figures.addAll(new ServingSection(stack, size, say).run(run, freshness, queries));
            }
            memory = stack.peakRss();
        } finally {
            stack.close();
            try {
                Runtime.getRuntime().removeShutdownHook(stopOnExit);
            } catch (IllegalStateException e) {
                // The JVM is exiting (Ctrl-C): the hook stops the stack, and closing it twice is harmless.
            }
        }
        memory.forEach((process, bytes) -> figures.add(Figure.of("memory", "peak RSS (VmHWM), " + process,
                bytes / (double) (1 << 20), "MiB")));

        Report report = new Report(started, Duration.between(started, Instant.now()), machine,
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(), versions(),
                settings(chosen, size), figures);
        Files.createDirectories(out);
        Path markdown = out.resolve("bench-" + FILE_TIME.format(started) + ".md");
        Path json = out.resolve("bench-" + FILE_TIME.format(started) + ".json");
        Files.writeString(markdown, "# Sessionizer benchmark" + System.lineSeparator() + System.lineSeparator()
                + report.markdown(), StandardCharsets.UTF_8);
        Files.writeString(json, report.json(), StandardCharsets.UTF_8);
        if (!keepData) {
            deleteData(runDir);
        }
        say.accept(System.lineSeparator() + report.markdown());
        say.accept("Written to " + markdown + " and " + json + "; logs in " + runDir.resolve("logs"));
        return 0;
    }

    private static List<Figure> aggregator(BenchStack stack, BenchSize size, Path runDir, Consumer<String> say)
            throws Exception {
        Backlog.Result result = new Backlog(new Backlog.Options(stack.bootstrapServers(), size.backlogSpans(),
                BenchLoad.SHAPE.spansPerTurn(), BenchLoad.SHAPE.turnsPerSession(), 0, 6, runDir.resolve("state"),
                runDir.resolve("logs"), Duration.ofMinutes(20)), say).run();
        stack.recordPeakRss("aggregator (backlog catch-up)", result.aggregator().peakRssBytes());
        stack.recordPeakRss("repartition-only Streams app", result.baseline().peakRssBytes());
        return aggregatorFigures(result);
    }

    /**
     * Catch-up against the baseline's; the bytes each wrote to Kafka per byte of input, the aggregator's against the
     * baseline's; the input's bytes; and what each wrote by topic.
     */
    static List<Figure> aggregatorFigures(Backlog.Result result) {
        List<Figure> figures = new ArrayList<>();
        String baseline = "repartition-only Streams app, exactly_once_v2";
        figures.add(Figure.of(AGGREGATOR, String.format(Locale.ROOT, "catch-up on %,d spans, exactly_once_v2",
                        result.spans()), result.aggregator().spansPerSecond(), "spans/s")
                .withBaseline(baseline, result.baseline().spansPerSecond())
                .withTargets(Target.atLeast(AGGREGATOR_TARGET), Target.ratioAtLeast(AGGREGATOR_TARGET_RATIO)));
        figures.add(Figure.of(AGGREGATOR, "bytes written to Kafka (changelogs, repartition, outputs) per byte of"
                        + " input", result.bytesPerInputByte(result.aggregator()), Figure.BYTES_PER_INPUT_BYTE)
                .withBaseline(baseline, result.bytesPerInputByte(result.baseline()))
                .withTargets(Target.atMost(WRITTEN_TARGET)));
        figures.add(Figure.of(AGGREGATOR, "input: the spans topic", result.inputBytes() / 1e6, "MB"));
        for (Backlog.Run run : List.of(result.aggregator(), result.baseline())) {
            String who = run == result.aggregator() ? "aggregator" : baseline;
            figures.add(Figure.of(AGGREGATOR, who + " wrote, in all", run.totalBytesWritten() / 1e6, "MB"));
            run.bytesWritten().forEach((topic, bytes) -> figures.add(Figure.of(AGGREGATOR,
                    who + " wrote to " + topic, bytes / 1e6, "MB")));
        }
        return figures;
    }

    private static Map<String, String> versions() {
        Map<String, String> versions = new LinkedHashMap<>();
        versions.put("sessionizer", gitCommit());
        versions.put("kafka", AppInfoParser.getVersion());
        versions.put("java", Runtime.version().toString());
        return versions;
    }

    /** The commit of the working directory, marked when it has changes; "unknown" outside a git checkout. */
    private static String gitCommit() {
        try {
            String commit = git("rev-parse", "--short", "HEAD");
            return commit.isEmpty() ? "unknown"
                    : commit + (git("status", "--porcelain", "--untracked-files=no").isEmpty() ? "" : " (changed)");
        } catch (IOException e) {
            return "unknown";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown";
        }
    }

    private static String git(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("git"));
        command.addAll(List.of(args));
        Process git = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(git.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        return git.waitFor(10, TimeUnit.SECONDS) && git.exitValue() == 0 ? output : "";
    }

    private static Map<String, Object> settings(Set<String> sections, BenchSize size) {
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("sections", List.copyOf(sections));
        settings.putAll(size.settings());
        settings.put("load", Map.of(
                "sessions_in_flight", BenchLoad.SHAPE.sessions(),
                "turns_per_session", BenchLoad.SHAPE.turnsPerSession(),
                "spans_per_turn", BenchLoad.SHAPE.spansPerTurn(),
                "spans_per_request", BenchLoad.SPANS_PER_REQUEST,
                "requests_in_flight", BenchLoad.CONCURRENCY,
                "otlp_http", "protobuf over HTTP/1.1, no compression"));
        settings.put("freshness", Map.of(
                "spans_per_second", ServingSection.FRESHNESS_RATES,
                "probe_interval_ms", ServingSection.PROBE_INTERVAL.toMillis(),
                "poll_interval_ms", ServingSection.PROBE_POLL.toMillis()));
        settings.put("queries", Map.of(
                "spans_per_second", ServingSection.QUERY_RATE,
                "stored_sessions", size.storedSessions(),
                "stored_session", "one trace of one LLM span, produced straight to the spans topic",
                "rare_project", StoredSessions.RARE_PROJECT + ", 1 in " + StoredSessions.RARE_EVERY + " sessions",
                "search_word", ServingSection.searchWord() + ", 1 in 40 sessions",
                "facet", ServingSection.FACETS_PATH,
                "stats", "/api/v1/stats?from=<now - 24 h>"));
        settings.put("kafka_bytes", "describeLogDirs before and after each application, internal topics with"
                + " segments of " + TopicBytes.SEGMENT_BYTES + " bytes and " + TopicBytes.SEGMENT_MS + " ms so that"
                + " none rolls; both applications with lz4");
        settings.put("processes", Map.of(
                "broker_heap", "512m",
                "ingest_heap", BenchStack.INGEST_HEAP,
                "aggregator_heap", BenchStack.AGGREGATOR_HEAP,
                "jvm_options", "defaults otherwise"));
        settings.put("aggregator", Map.of(
                "processing_guarantee", "exactly_once_v2",
                "partitions", 6,
                "stream_threads", 1,
                "standby_replicas", 0,
                "acceptable_recovery_lag", "Long.MAX_VALUE (a joining instance takes its share at once)"));
        settings.put("producer_baseline", "ingest's producer settings (acks=all, idempotence, lz4, linger 5 ms,"
                + " batch 256 KiB), at most 64 MiB in flight");
        return settings;
    }

    /** Deletes the run's broker data and state stores, which can be gigabytes; the logs stay. */
    private static void deleteData(Path runDir) throws IOException {
        for (Path data : List.of(runDir.resolve("kafka"), runDir.resolve("state"))) {
            Utils.delete(data.toFile());
        }
    }
}
