package io.sessionizer.config;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The Kafka client properties that say how to reach a secured cluster: {@code security.protocol}, {@code ssl.*} and
 * {@code sasl.*} (TLS, SASL SCRAM or PLAIN, their stores and passwords). Parts and tools that set up their own Kafka
 * clients (the local registry, the launcher's topic creation, the bench) lay these under their own settings, so that
 * they reach the same cluster as the services. Values are never logged: {@code sasl.jaas.config} and
 * {@code ssl.*.password} hold secrets.
 */
public final class KafkaSecurity {
    private KafkaSecurity() {
    }

    /** The security properties among {@code kafkaProperties} (such as {@link Config#kafkaProperties()}). */
    public static Map<String, String> of(Map<String, String> kafkaProperties) {
        Map<String, String> security = new LinkedHashMap<>();
        kafkaProperties.forEach((key, value) -> {
            if (key.equals("security.protocol") || key.startsWith("ssl.") || key.startsWith("sasl.")) {
                security.put(key, value);
            }
        });
        return Map.copyOf(security);
    }

    /**
     * The security properties of the {@code KAFKA_*} environment variables of this process, as the services read them
     * ({@code KAFKA_SASL_JAAS_CONFIG} → {@code sasl.jaas.config}), for tools that take no configuration file. Child
     * processes inherit the variables themselves, so that no secret goes on a command line.
     */
    public static Map<String, String> fromEnvironment() {
        return fromEnvironment(System.getenv());
    }

    static Map<String, String> fromEnvironment(Map<String, String> env) {
        return of(Config.kafkaPropertiesFromEnvironment(env));
    }
}
