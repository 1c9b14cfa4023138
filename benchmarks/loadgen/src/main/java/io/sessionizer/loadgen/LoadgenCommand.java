package io.sessionizer.loadgen;

import io.sessionizer.cli.DurationConverter;
import io.sessionizer.cli.Subcommand;
import io.sessionizer.loadgen.Traffic;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code sessionizer loadgen}: realistic LLM-application traffic against any OTLP ingest, measured. */
@Command(name = "loadgen", sortOptions = false, usageHelpAutoWidth = true,
        description = {
            "Sends synthetic LLM-application traces to an OTLP endpoint (this project's ingest, an OpenTelemetry"
                    + " Collector, any OTLP receiver) and reports accepted spans/s, MB/s, request latency and errors.",
            "Each turn is a trace of an AGENT root with the session id and the user's input and answer, a CHAIN, LLM"
                    + " calls (model, token counts, messages) and TOOL calls, with OpenInference attributes."})
public final class LoadgenCommand implements Callable<Integer>, Subcommand {
    private static final Duration DEFAULT_DURATION = Duration.ofSeconds(60);
    /** What "no time limit" means when only a span count is given. */
    private static final Duration UNLIMITED = Duration.ofDays(365);

    @Option(names = "--protocol", paramLabel = "http|grpc", defaultValue = "http", converter = Protocol.Converter.class,
            description = "OTLP/HTTP (protobuf) or OTLP/gRPC. Default: ${DEFAULT-VALUE}")
    Protocol protocol;

    @Option(names = "--endpoint", paramLabel = "URL",
            description = "Where to send: http://localhost:4318 for http, http://localhost:4317 for grpc by default;"
                    + " https:// for TLS. OTLP/HTTP posts to /v1/traces unless the URL has a path.")
    String endpoint;

    @Option(names = "--api-key", paramLabel = "KEY",
            description = "Sent as 'Authorization: Bearer KEY'; it needs the ingest scope.")
    String apiKey;

    @Option(names = "--ca-file", paramLabel = "PEM",
            description = "With https://: the certificates to trust (such as the ingest's tls.cert-file when"
                    + " self-signed); default: the JVM's trust store.")
    Path caFile;

    @Option(names = "--client-cert", paramLabel = "PEM",
            description = "With https://: the client certificate chain to present (ingest with tls.client-auth).")
    Path clientCert;

    @Option(names = "--client-key", paramLabel = "PEM", description = "The PKCS#8 key of --client-cert.")
    Path clientKey;

    @Option(names = "--sessions", paramLabel = "N", defaultValue = "100",
            description = "Sessions in flight at once; each that had all its turns is followed by a new one."
                    + " Default: ${DEFAULT-VALUE}")
    int sessions;

    @Option(names = "--turns", paramLabel = "N", defaultValue = "10",
            description = "Turns (traces) per session. Default: ${DEFAULT-VALUE}")
    int turns;

    @Option(names = "--spans-per-turn", paramLabel = "N", defaultValue = "5",
            description = "Spans per turn: agent, chain, then LLM and tool calls in turn. Default: ${DEFAULT-VALUE}")
    int spansPerTurn;

    @Option(names = "--spans-per-request", paramLabel = "N", defaultValue = "500",
            description = "Spans per export, rounded down to whole turns (SDK batch exporters send up to 512)."
                    + " Default: ${DEFAULT-VALUE}")
    int spansPerRequest;

    @Option(names = "--rate", paramLabel = "SPANS/S", defaultValue = "0",
            description = "Target spans per second; 0 sends as fast as the server answers. Default: ${DEFAULT-VALUE}")
    double rate;

    @Option(names = "--duration", paramLabel = "TIME", converter = DurationConverter.class,
            description = "How long to send (e.g. 30s, 5m); default 60s, or no limit when --spans is given.")
    Duration duration;

    @Option(names = "--spans", paramLabel = "N", description = "Stop after sending this many spans.")
    Long spans;

    @Option(names = "--warmup", paramLabel = "TIME", defaultValue = "0s", converter = DurationConverter.class,
            description = "Send this long first without counting it, so that both ends are warm. Default:"
                    + " ${DEFAULT-VALUE}")
    Duration warmup;

    @Option(names = "--concurrency", paramLabel = "N", defaultValue = "16",
            description = "Requests in flight at most. Default: ${DEFAULT-VALUE}")
    int concurrency;

    @Option(names = "--timeout", paramLabel = "TIME", defaultValue = "10s", converter = DurationConverter.class,
            description = "How long one request may take before it counts as an error. Default: ${DEFAULT-VALUE}")
    Duration timeout;

    @Option(names = "--seed", paramLabel = "N",
            description = "Makes the traffic repeatable; it also sets trace and session ids, so a run with the same"
                    + " seed sends the very same spans again. Default: random")
    Long seed;

    @Option(names = "--progress", paramLabel = "TIME", defaultValue = "5s", converter = DurationConverter.class,
            description = "Interval of the progress lines; 0s for none. Default: ${DEFAULT-VALUE}")
    Duration progressEvery;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        requirePositive("--sessions", sessions);
        requirePositive("--turns", turns);
        requirePositive("--spans-per-turn", spansPerTurn);
        requirePositive("--spans-per-request", spansPerRequest);
        requirePositive("--concurrency", concurrency);
        if (rate < 0 || (spans != null && spans < 1)) {
            throw new ParameterException(spec.commandLine(), "--rate must not be negative and --spans positive");
        }
        PrintWriter out = spec.commandLine().getOut();
        long runSeed = seed != null ? seed : ThreadLocalRandom.current().nextLong(1L << 40);
        Traffic traffic = new Traffic(runSeed, new Traffic.Shape(sessions, turns, spansPerTurn),
                "loadgen-" + Long.toString(runSeed, 36));
        LoadGenerator.Settings settings = new LoadGenerator.Settings(spansPerRequest, rate, concurrency, warmup,
                duration != null ? duration : spans != null ? UNLIMITED : DEFAULT_DURATION,
                spans != null ? spans : Long.MAX_VALUE);
        String target = endpoint != null ? endpoint : protocol.defaultEndpoint();
        out.printf(Locale.ROOT, "Sending %s to %s: %,d sessions in flight, %d turns of %d spans, %s, seed %d%n",
                protocol.label(), target, sessions, turns, spansPerTurn,
                rate > 0 ? String.format(Locale.ROOT, "%,.0f spans/s", rate) : "as fast as possible", runSeed);
        out.flush();
        LoadResult result;
        OtlpSender.Tls tls;
        try {
            tls = new OtlpSender.Tls(caFile, clientCert, clientKey);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--client-cert and --client-key go together: "
                    + e.getMessage());
        }
        try (OtlpSender sender = OtlpSender.connect(protocol, target, apiKey, timeout, tls)) {
            LoadGenerator generator = new LoadGenerator(sender, traffic, settings);
            result = generator.run(line -> {
                out.println(line);
                out.flush();
            }, progressEvery);
        }
        out.println(result.describe());
        out.flush();
        return result.spans() > 0 ? 0 : 1;
    }

    private void requirePositive(String flag, int value) {
        if (value < 1) {
            throw new ParameterException(spec.commandLine(), flag + " must be at least 1, not " + value);
        }
    }

    /** Durations written as in the services' settings: {@code 500ms}, {@code 30s}, {@code 5m}, {@code PT30S}. */}
