package io.sessionizer.aggregator;

import io.sessionizer.config.Config;
import io.sessionizer.config.ConfigException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/** Runs one aggregator instance until SIGTERM; exits non-zero when Kafka Streams fails for good. */
@Command(name = "sessionizer-aggregator", mixinStandardHelpOptions = true,
        description = "Kafka Streams aggregator: sessions and transcripts in RocksDB, served over REST.")
public final class AggregatorMain implements Callable<Integer> {
    @Option(names = "--config", description = "Properties file of settings (also SESSIONIZER_CONFIG_FILE).")
    private String configFile;

    @Option(names = "--set", description = "A setting as key=value; repeatable; wins over file and environment.")
    private Map<String, String> settings = new LinkedHashMap<>();

    public static void main(String[] args) {
        System.exit(new CommandLine(new AggregatorMain()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        Map<String, String> overrides = new LinkedHashMap<>(settings);
        if (configFile != null) {
            overrides.put(Config.CONFIG_FILE_KEY, configFile);
        }
        AggregatorApp app;
        try {
            app = AggregatorApp.start(Config.load(AggregatorSettings.all(), overrides));
        } catch (ConfigException e) {
            System.err.println("Configuration error: " + e.getMessage());
            return 2;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(app::close, "aggregator-shutdown"));
        String cause = app.failed().join();
        System.err.println(cause + "; exiting so that the instance is restarted");
        return 1;
    }
}
