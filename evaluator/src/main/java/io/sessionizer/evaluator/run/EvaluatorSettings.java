package io.sessionizer.evaluator.run;

import io.sessionizer.config.RegistrySettings;
import io.sessionizer.config.Setting;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;

/**
 * Every setting of the evaluator; {@code SESSIONIZER_<KEY>} in the environment, a properties file, or the options of
 * {@code sessionizer evaluate}. {@code topic.events} and the registry's keys are the aggregator's own, so that one
 * environment configures both; Kafka consumer properties pass through as {@code kafka.*} keys or {@code KAFKA_*}
 * variables.
 */
public final class EvaluatorSettings {
    /** Where the consumer connects when no {@code kafka.bootstrap.servers} is given: the local stack's broker. */
    public static final String DEFAULT_BOOTSTRAP_SERVERS = "localhost:9092";

    public static final Setting<String> EVENTS_TOPIC = Setting.string("topic.events", "session-events",
            "The aggregator's SessionEvent topic (Avro, Confluent wire format), read with read_committed.");
    public static final Setting<String> API_URL = Setting.string("evaluator.api-url", "http://localhost:8080",
            "Base URL of the aggregator's REST API: sessions are read and verdicts written there.");
    public static final Setting<String> API_CA_FILE = Setting.string("evaluator.api-ca-file", "",
            "With an https evaluator.api-url: a PEM bundle of the certificates to trust (the CA of the aggregator's"
                    + " tls.cert-file); empty trusts the JVM's trust store.");
    public static final Setting<String> API_KEY = Setting.string("evaluator.api-key", "",
            "API key sent as 'Authorization: Bearer <key>'; it fixes the tenant, and needs the read and annotate"
                    + " scopes. Empty sends none.");
    public static final Setting<String> TENANT = Setting.string("evaluator.tenant", "default",
            "The tenant of the API key: events of other tenants are skipped.");
    public static final Setting<String> GROUP = Setting.string("evaluator.group", "sessionizer-evaluator",
            "Kafka consumer group; evaluators of one group share the partitions of topic.events.");
    public static final Setting<String> IDENTIFIER = Setting.string("evaluator.identifier", "sessionizer-evaluate",
            "The identifier of every annotation written: a later verdict of the same name on the same session or"
                    + " turn replaces the earlier one.");
    public static final Setting<OptionalDouble> MAX_COST = Setting.of("evaluator.max-cost", "",
            EvaluatorSettings::parseMaxCost,
            "Cost budget of one session in USD, not negative (verdict over_budget); empty for no budget verdict.");
    public static final Setting<List<String>> JUDGES = Setting.list("evaluator.judges", "",
            "Class names of more judges (io.sessionizer.evaluator.Judge, public no-argument constructor), besides"
                    + " the rules and the judges found with ServiceLoader.");
    public static final Setting<List<String>> JUDGE_PATH = Setting.list("evaluator.judge-path", "",
            "Jars and class directories, comma-separated, where the judges of evaluator.judges and of"
                    + " META-INF/services/io.sessionizer.evaluator.Judge are looked for besides the class path.");
    public static final Setting<Duration> REQUEST_TIMEOUT = Setting.duration("evaluator.request-timeout", "30s",
            "How long one API request may take.");
    public static final Setting<Duration> RETRY_FOR = Setting.duration("evaluator.retry-for", "60s",
            "How long a session's API requests are retried (503, 429, 502, 504, no connection), honouring"
                    + " Retry-After, before its event is put back and taken again after the next poll.");

    private EvaluatorSettings() {
    }

    public static List<Setting<?>> all() {
        List<Setting<?>> all = new ArrayList<>(List.of(EVENTS_TOPIC, API_URL, API_CA_FILE, API_KEY, TENANT, GROUP, IDENTIFIER,
                MAX_COST, JUDGES, JUDGE_PATH, REQUEST_TIMEOUT, RETRY_FOR));
        all.addAll(RegistrySettings.all());
        return List.copyOf(all);
    }

    /**
     * The budget of {@link #MAX_COST}: empty for a blank text, else a number of USD, finite and not negative.
     *
     * @throws IllegalArgumentException for any other text; the configuration names the key
     */
    static OptionalDouble parseMaxCost(String text) {
        String raw = text.trim();
        if (raw.isEmpty()) {
            return OptionalDouble.empty();
        }
        double value;
        try {
            value = Double.parseDouble(raw);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("expected a number of USD, not negative (e.g. 0.50)");
        }
        if (!(value >= 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException("expected a number of USD, not negative (e.g. 0.50)");
        }
        return OptionalDouble.of(value);
    }
}
