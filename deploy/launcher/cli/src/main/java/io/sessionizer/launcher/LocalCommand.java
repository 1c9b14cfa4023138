package io.sessionizer.launcher;

import io.sessionizer.cli.DurationConverter;
import io.sessionizer.cli.SizeConverter;
import io.sessionizer.launcher.local.LocalStack;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code sessionizer local}: the whole stack on this machine until Ctrl-C. */
@Command(name = "local", sortOptions = false, usageHelpAutoWidth = true,
        description = {
            "Runs the whole stack on this machine: a real Apache Kafka broker in KRaft mode (a child JVM),"
                    + " a Schema Registry, the OTLP ingest and the aggregator with its REST API and web UI.",
            "A broker or aggregator that fails is restarted with backoff (each restart logged with its cause); the"
                    + " command stops only when one keeps failing.",
            "Ctrl-C stops everything cleanly; running it again keeps all data and sessions."})
final class LocalCommand implements Callable<Integer> {
    /** Exit status of a process ended by SIGINT, as shells report it. */
    private static final int INTERRUPTED = 130;

    @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "${sys:sessionizer.data-dir:-data}",
            description = "Directory of the broker's data and log and the aggregator's state stores; kept across"
                    + " restarts. Default: ${DEFAULT-VALUE}")
    private Path dataDir;

    @Option(names = "--kafka-port", paramLabel = "PORT", defaultValue = "9092",
            description = "Kafka listener on localhost; the KRaft controller takes the next port. Default:"
                    + " ${DEFAULT-VALUE}")
    private int kafkaPort;

    @Option(names = "--schema-registry-port", paramLabel = "PORT", defaultValue = "8081",
            description = "Schema Registry (Confluent REST API) of the published Avro topics, its schemas kept in"
                    + " Kafka; 0 picks a free port. Default: ${DEFAULT-VALUE}")
    private int schemaRegistryPort;

    @Option(names = "--otlp-http-port", paramLabel = "PORT", defaultValue = "4318",
            description = "OTLP/HTTP receiver (POST /v1/traces); 0 picks a free port. Default: ${DEFAULT-VALUE}")
    private int otlpHttpPort;

    @Option(names = "--otlp-grpc-port", paramLabel = "PORT", defaultValue = "4317",
            description = "OTLP/gRPC receiver; 0 picks a free port. Default: ${DEFAULT-VALUE}")
    private int otlpGrpcPort;

    @Option(names = "--api-port", paramLabel = "PORT", defaultValue = "8080",
            description = "REST API and web UI of the aggregator; 0 picks a free port. Default: ${DEFAULT-VALUE}")
    private int apiPort;

    @Option(names = "--retention", paramLabel = "TIME", defaultValue = "24h", converter = DurationConverter.class,
            description = "How long the broker keeps spans, turns, events and dead letters (e.g. 6h, 7d); the"
                    + " sessions' latest summaries are kept regardless. Applies to existing data too. Default:"
                    + " ${DEFAULT-VALUE}")
    private Duration retention;

    @Option(names = "--retention-bytes", paramLabel = "SIZE", defaultValue = "1GiB", converter = SizeConverter.class,
            description = "At most about this much of each of those four topics on disk (e.g. 512MiB, 10GiB),"
                    + " whichever of the two limits comes first. Default: ${DEFAULT-VALUE}")
    private long retentionBytes;

    @Spec
    private CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        requirePort("--kafka-port", kafkaPort, 1, 65534);
        requirePort("--schema-registry-port", schemaRegistryPort, 0, 65535);
        requirePort("--otlp-http-port", otlpHttpPort, 0, 65535);
        requirePort("--otlp-grpc-port", otlpGrpcPort, 0, 65535);
        requirePort("--api-port", apiPort, 0, 65535);
        if (retention.compareTo(Duration.ofMinutes(1)) < 0 || retentionBytes < 64L * 1024 * 1024) {
            throw new ParameterException(spec.commandLine(), "--retention must be at least 1m and --retention-bytes"
                    + " at least 64MiB");
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();

        LocalStack stack = new LocalStack(new LocalStack.Options(
                dataDir, kafkaPort, schemaRegistryPort, otlpHttpPort, otlpGrpcPort, apiPort, retention,
                retentionBytes),
                System.getProperty("java.class.path"));
        AtomicBoolean stopping = new AtomicBoolean();
        // Also runs on a failed start (System.exit), so that no broker is left behind.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stopping.set(true);
            boolean running = stack.hasStarted();
            Instant stopStart = Instant.now();
            if (running) {
                out.println("Stopping the aggregator, the ingest, the registry and Kafka...");
                out.flush();
            }
            stack.close();
            if (running) {
                out.println("Stopped in " + seconds(Duration.between(stopStart, Instant.now())) + ".");
                out.flush();
            }
        }, "sessionizer-stop"));

        try {
            stack.start();
        } catch (Exception e) {
            if (stopping.get()) {
                return INTERRUPTED;
            }
            throw e;
        }
        // ./sessionizer execs this JVM, so the process started when the user's command did.
        Instant commandStart = ProcessHandle.current().info().startInstant().orElseThrow();
        out.println("Sessionizer is ready in " + seconds(Duration.between(commandStart, Instant.now())) + ":");
        out.println(stack.describe());
        out.println("Press Ctrl-C to stop.");
        out.flush();

        String failure = stack.failure().join();
        if (stopping.get()) {
            return INTERRUPTED;
        }
        err.println(spec.commandLine().getColorScheme().errorText("Error: " + failure + "; stopping."));
        return 1;
    }

    private void requirePort(String flag, int port, int min, int max) {
        if (port < min || port > max) {
            throw new ParameterException(spec.commandLine(),
                    flag + " must be between " + min + " and " + max + ", not " + port);
        }
    }

    private static String seconds(Duration d) {
        return String.format(Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
    }
}
