package io.sessionizer.evaluator.run;

import io.sessionizer.cli.Subcommand;
import io.sessionizer.config.Config;
import io.sessionizer.config.RegistrySettings;
import io.sessionizer.config.Setting;
import io.sessionizer.evaluator.Judge;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code sessionizer evaluate}: judges every session that ends and writes the verdicts back as annotations, until
 * Ctrl-C. Each option is a setting of {@link EvaluatorSettings}, which the environment ({@code SESSIONIZER_*},
 * {@code KAFKA_*}) and {@code --config} give too; an option wins.
 */
@Command(name = "evaluate", sortOptions = false, usageHelpAutoWidth = true,
        description = {
            "Consumes session-events and, on each ENDED session (again when a resumed session ends again), reads the"
                    + " session over the REST API, runs the judges and writes each verdict back as an annotation"
                    + " (POST /api/v1/sessions/{id}/annotations) with an identifier, so that a new verdict replaces the"
                    + " earlier one. Rules: has_error_turn and error (failed turns), empty_answers and empty_answer"
                    + " (turns without an answer), over_budget (with --max-cost). More judges plug in as"
                    + " io.sessionizer.evaluator.Judge (ServiceLoader, or --judge; --judge-path adds their jars)."
                    + " Runs until Ctrl-C."})
public final class EvaluateCommand implements Callable<Integer>, Subcommand {
    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT",
            description = "Kafka (kafka.bootstrap.servers). Default: " + EvaluatorSettings.DEFAULT_BOOTSTRAP_SERVERS)
    String bootstrapServers;

    @Option(names = "--api", paramLabel = "URL", description = "The aggregator's REST API (evaluator.api-url)."
            + " Default: http://localhost:8080")
    String api;

    @Option(names = "--api-key", paramLabel = "KEY",
            description = "Sent as 'Authorization: Bearer KEY' (evaluator.api-key); it fixes the tenant, and needs"
                    + " the read and annotate scopes.")
    String apiKey;

    @Option(names = "--tenant", paramLabel = "TENANT",
            description = "The tenant of the key; other tenants' events are skipped (evaluator.tenant). Default:"
                    + " default")
    String tenant;

    @Option(names = "--group", paramLabel = "ID",
            description = "Kafka consumer group (evaluator.group). Default: sessionizer-evaluator")
    String group;

    @Option(names = "--identifier", paramLabel = "ID",
            description = "Identifier of the annotations written (evaluator.identifier). Default: sessionizer-evaluate")
    String identifier;

    @Option(names = "--max-cost", paramLabel = "USD",
            description = "Cost budget of one session: adds the verdict over_budget (evaluator.max-cost).")
    String maxCost;

    @Option(names = "--judge", paramLabel = "CLASS",
            description = "A Judge class on the class path to run too; repeatable (evaluator.judges).")
    List<String> judges = new ArrayList<>();

    @Option(names = "--judge-path", paramLabel = "JAR|DIR", split = ",",
            description = "Where more judges are looked for besides the class path (jars, class directories);"
                    + " repeatable (evaluator.judge-path).")
    List<String> judgePath = new ArrayList<>();

    @Option(names = "--events-topic", paramLabel = "TOPIC",
            description = "The SessionEvent topic (topic.events). Default: session-events")
    String eventsTopic;

    @Option(names = "--schema-registry", paramLabel = "URL",
            description = "Schema Registry of the events (schema.registry.url). Default: http://localhost:8081")
    String schemaRegistry;

    @Option(names = "--config", paramLabel = "FILE", description = "A properties file of settings.")
    String configFile;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "Any setting, e.g. --set evaluator.retry-for=2m --set kafka.auto.offset.reset=latest;"
                    + " repeatable.")
    Map<String, String> settings = new LinkedHashMap<>();

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        Config config = Config.load(EvaluatorSettings.all(), overrides());
        List<Judge> loaded = Judges.load(config);
        PrintWriter out = spec.commandLine().getOut();
        Evaluator evaluator = new Evaluator(config, loaded, line -> {
            out.println(line);
            out.flush();
        });
        out.printf("Judging the ENDED sessions of tenant %s from %s with %s; writing to %s as %s%n",
                config.get(EvaluatorSettings.TENANT), config.get(EvaluatorSettings.EVENTS_TOPIC),
                loaded.stream().map(Judge::name).collect(Collectors.joining(", ")),
                config.get(EvaluatorSettings.API_URL), config.get(EvaluatorSettings.IDENTIFIER));
        out.flush();
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            evaluator.close();
            try {
                stopped.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "evaluator-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            evaluator.run();
            return 0;
        } catch (ApiException e) {
            spec.commandLine().getErr().println("Error: " + e.getMessage());
            return 1;
        } finally {
            stopped.countDown();
        }
    }

    /** The options given, as settings; what is not given comes from the environment, the file or the defaults. */
    Map<String, String> overrides() {
        Map<String, String> overrides = new LinkedHashMap<>(settings);
        put(overrides, "kafka.bootstrap.servers", bootstrapServers);
        put(overrides, EvaluatorSettings.API_URL, api);
        put(overrides, EvaluatorSettings.API_KEY, apiKey);
        put(overrides, EvaluatorSettings.TENANT, tenant);
        put(overrides, EvaluatorSettings.GROUP, group);
        put(overrides, EvaluatorSettings.IDENTIFIER, identifier);
        put(overrides, EvaluatorSettings.MAX_COST, maxCost);
        put(overrides, EvaluatorSettings.EVENTS_TOPIC, eventsTopic);
        put(overrides, RegistrySettings.URL, schemaRegistry);
        put(overrides, Config.CONFIG_FILE_KEY, configFile);
        if (!judges.isEmpty()) {
            put(overrides, EvaluatorSettings.JUDGES, String.join(",", judges));
        }
        if (!judgePath.isEmpty()) {
            put(overrides, EvaluatorSettings.JUDGE_PATH, String.join(",", judgePath));
        }
        return overrides;
    }

    private static void put(Map<String, String> overrides, Setting<?> setting, String value) {
        put(overrides, setting.name(), value);
    }

    private static void put(Map<String, String> overrides, String key, String value) {
        if (value != null) {
            overrides.put(key, value);
        }
    }
}
