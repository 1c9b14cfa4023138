package io.sessionizer.ingest;

import io.sessionizer.config.Config;
import io.sessionizer.config.ConfigException;
import io.sessionizer.config.Setting;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine;

/** Runs the ingest service until SIGTERM or Ctrl-C, then shuts it down gracefully. */
@Command(name = "sessionizer-ingest", mixinStandardHelpOptions = true,
        description = "Receives OTLP traces and logs over gRPC and HTTP and writes one Kafka record per trace.")
public final class IngestMain implements Callable<Integer> {
    static final int CONFIG_ERROR = 2;

    @Spec
    private CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE", description = "A properties file of settings.")
    private Path configFile;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "Overrides one setting, e.g. --set http.port=4318 --set kafka.bootstrap.servers=host:9092.")
    private Map<String, String> overrides = new LinkedHashMap<>();

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command line, its help listing every setting with its documentation and default. */
    static CommandLine commandLine() {
        CommandLine commandLine = new CommandLine(new IngestMain());
        List<String> footer = new ArrayList<>(List.of("", "Settings (also SESSIONIZER_* environment variables; "
                + "Kafka producer properties as kafka.* keys or KAFKA_* variables):"));
        for (Setting<?> setting : IngestSettings.all()) {
            footer.add(String.format("  %-28s %s (default: %s)", setting.name(), setting.doc(),
                    setting.defaultText().isEmpty() ? "none" : setting.defaultText()));
        }
        commandLine.getCommandSpec().usageMessage().footer(footer.toArray(String[]::new));
        return commandLine;
    }

    @Override
    public Integer call() throws InterruptedException {
        Map<String, String> settings = new LinkedHashMap<>(overrides);
        if (configFile != null) {
            settings.put(Config.CONFIG_FILE_KEY, configFile.toString());
        }
        IngestServer server;
        try {
            server = IngestServer.start(Config.load(IngestSettings.all(), settings));
        } catch (ConfigException e) {
            spec.commandLine().getErr().println("Configuration error: " + e.getMessage());
            return CONFIG_ERROR;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "ingest-shutdown"));
        stopped.await();
        return 0;
    }
}
