package io.sessionizer.config;

import io.sessionizer.schemas.registry.InMemorySchemaRegistry;
import io.sessionizer.schemas.registry.RegistryAuth;
import io.sessionizer.schemas.registry.RestSchemaRegistryClient;
import io.sessionizer.schemas.registry.SchemaRegistryClient;
import java.util.List;

/** The settings of a service that publishes Confluent-wire-format Avro, and the client they describe. */
public final class RegistrySettings {
    static final String MEMORY_SCHEME = "mem://";

    public static final Setting<String> URL = Setting.string("schema.registry.url", "http://localhost:8081",
            "Base URL of the Confluent Schema Registry API, or several separated by commas; mem://<name> keeps "
                    + "schemas in this JVM (tests)");
    public static final Setting<String> AUTH = Setting.string("schema.registry.auth", "",
            "none, basic:<user>:<password> or bearer:<token>");

    private RegistrySettings() {
    }

    public static List<Setting<?>> all() {
        return List.of(URL, AUTH);
    }

    /**
     * The client the configuration names: the REST client, or for {@code mem://<name>} the in-memory registry of that
     * name, shared by everything in the JVM.
     *
     * @throws ConfigException naming the key when the URL or the authentication is malformed
     */
    public static SchemaRegistryClient fromConfig(Config config) {
        String url = config.get(URL).trim();
        RegistryAuth auth;
        try {
            auth = RegistryAuth.parse(config.get(AUTH));
        } catch (IllegalArgumentException e) {
            // The message never holds the value: it is a secret.
            throw new ConfigException("Invalid value for " + AUTH.name() + ": " + e.getMessage());
        }
        if (url.startsWith(MEMORY_SCHEME)) {
            String name = url.substring(MEMORY_SCHEME.length());
            if (name.isEmpty()) {
                throw new ConfigException("Invalid value '" + url + "' for " + URL.name() + ": expected mem://<name>");
            }
            return InMemorySchemaRegistry.named(name);
        }
        try {
            return RestSchemaRegistryClient.create(url, auth);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("Invalid value '" + url + "' for " + URL.name() + ": " + e.getMessage());
        }
    }
}
