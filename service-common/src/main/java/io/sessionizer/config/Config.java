package io.sessionizer.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The resolved configuration of one service. Sources, lowest precedence first: each setting's default, the properties
 * file named by {@code SESSIONIZER_CONFIG_FILE} (or {@value #CONFIG_FILE_KEY} among the overrides), environment
 * variables, then explicit overrides (command-line flags). Unknown file keys and overrides fail fast, so a typo never
 * silently falls back to a default; an unknown {@code SESSIONIZER_*} variable is only logged, because services that
 * run side by side (the local stack, one Kubernetes ConfigMap) share one environment.
 *
 * <p>Kafka client properties pass through untouched: {@code kafka.*} keys in the file (prefix removed) and
 * {@code KAFKA_*} variables ({@code KAFKA_BOOTSTRAP_SERVERS} → {@code bootstrap.servers}), as the Confluent images do.
 */
public final class Config {
    private static final Logger LOG = LoggerFactory.getLogger(Config.class);
    public static final String ENV_PREFIX = "SESSIONIZER_";
    public static final String CONFIG_FILE_KEY = "config.file";
    static final String KAFKA_PREFIX = "kafka.";
    private static final String KAFKA_ENV_PREFIX = "KAFKA_";
    /** Variables of Kafka's own start scripts, which are not client properties. */
    private static final Set<String> KAFKA_SCRIPT_VARIABLES = Set.of("KAFKA_HOME", "KAFKA_OPTS", "KAFKA_HEAP_OPTS",
            "KAFKA_JVM_PERFORMANCE_OPTS", "KAFKA_LOG4J_OPTS", "KAFKA_GC_LOG_OPTS", "KAFKA_JMX_OPTS", "KAFKA_DEBUG",
            "KAFKA_CLUSTER_ID", "KAFKA_VERSION");

    private final Map<String, Object> values;
    private final Map<String, String> kafka;

    private Config(Map<String, Object> values, Map<String, String> kafka) {
        this.values = values;
        this.kafka = kafka;
    }

    /** Reads the process environment and the given overrides. */
    public static Config load(Collection<Setting<?>> settings, Map<String, String> overrides) {
        return load(settings, System.getenv(), overrides);
    }

    public static Config load(Collection<Setting<?>> settings, Map<String, String> env, Map<String, String> overrides) {
        Map<String, Setting<?>> byName = new LinkedHashMap<>();
        Map<String, Setting<?>> byEnv = new HashMap<>();
        for (Setting<?> s : settings) {
            byName.put(s.name(), s);
            byEnv.put(s.envName(), s);
        }
        Map<String, String> raw = new HashMap<>();
        Map<String, String> origin = new HashMap<>();
        Map<String, String> kafka = new LinkedHashMap<>();

        String file = overrides.getOrDefault(CONFIG_FILE_KEY, env.get(ENV_PREFIX + "CONFIG_FILE"));
        if (file != null && !file.isBlank()) {
            Properties props = readFile(Path.of(file));
            for (String key : props.stringPropertyNames()) {
                String value = props.getProperty(key);
                if (key.startsWith(KAFKA_PREFIX)) {
                    kafka.put(key.substring(KAFKA_PREFIX.length()), value);
                } else if (byName.containsKey(key)) {
                    raw.put(key, value);
                    origin.put(key, file);
                } else {
                    throw new ConfigException("Unknown key '" + key + "' in " + file);
                }
            }
        }
        kafka.putAll(kafkaPropertiesFromEnvironment(env));
        for (Map.Entry<String, String> e : env.entrySet()) {
            String var = e.getKey();
            if (var.startsWith(ENV_PREFIX) && !var.equals(ENV_PREFIX + "CONFIG_FILE")) {
                Setting<?> s = byEnv.get(var);
                if (s == null) {
                    LOG.warn("Ignoring environment variable {}: not a setting of this service", var);
                    continue;
                }
                raw.put(s.name(), e.getValue());
                origin.put(s.name(), "environment variable " + var);
            }
        }
        for (Map.Entry<String, String> e : overrides.entrySet()) {
            String key = e.getKey();
            if (key.equals(CONFIG_FILE_KEY)) {
                continue;
            }
            if (key.startsWith(KAFKA_PREFIX)) {
                kafka.put(key.substring(KAFKA_PREFIX.length()), e.getValue());
            } else if (byName.containsKey(key)) {
                raw.put(key, e.getValue());
                origin.put(key, "command line");
            } else {
                throw new ConfigException("Unknown setting '" + key + "'");
            }
        }

        Map<String, Object> values = new HashMap<>();
        for (Setting<?> s : byName.values()) {
            String value = raw.containsKey(s.name()) ? raw.get(s.name()) : s.defaultText();
            if (value == null) {
                throw new ConfigException("Missing required setting " + s.name() + " (environment variable "
                        + s.envName() + ")");
            }
            values.put(s.name(), s.parse(value, origin.getOrDefault(s.name(), "default")));
        }
        return new Config(values, kafka);
    }

    /**
     * The Kafka client properties of the {@code KAFKA_*} variables of {@code env} ({@code KAFKA_BOOTSTRAP_SERVERS} →
     * {@code bootstrap.servers}), leaving out the variables of Kafka's own start scripts.
     */
    public static Map<String, String> kafkaPropertiesFromEnvironment(Map<String, String> env) {
        Map<String, String> kafka = new LinkedHashMap<>();
        env.forEach((var, value) -> {
            if (var.startsWith(KAFKA_ENV_PREFIX) && !KAFKA_SCRIPT_VARIABLES.contains(var)) {
                kafka.put(var.substring(KAFKA_ENV_PREFIX.length()).toLowerCase(Locale.ROOT).replace('_', '.'), value);
            }
        });
        return kafka;
    }

    private static Properties readFile(Path path) {
        Properties props = new Properties();
        try (Reader reader = Files.newBufferedReader(path)) {
            props.load(reader);
        } catch (IOException e) {
            throw new ConfigException("Cannot read configuration file " + path + ": " + e.getMessage());
        }
        return props;
    }

    @SuppressWarnings("unchecked")
    public <T> T get(Setting<T> setting) {
        if (!values.containsKey(setting.name())) {
            throw new IllegalArgumentException("Setting " + setting.name() + " was not declared for this service");
        }
        return (T) values.get(setting.name());
    }

    /** Kafka client properties given by the user, to lay over the service's own defaults. */
    public Map<String, String> kafkaProperties() {
        return Map.copyOf(kafka);
    }
}
