package io.sessionizer.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sessionizer.schemas.registry.InMemorySchemaRegistry;
import io.sessionizer.schemas.registry.RestSchemaRegistryClient;
import io.sessionizer.schemas.registry.SchemaRegistryClient;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RegistrySettingsTest {

    private static Config config(Map<String, String> overrides) {
        return Config.load(RegistrySettings.all(), Map.of(), overrides);
    }

    @Test
    void shouldDefaultToTheLocalRegistryWithoutAuthentication() {
        SchemaRegistryClient client = RegistrySettings.fromConfig(config(Map.of()));

        assertThat(client).isInstanceOf(RestSchemaRegistryClient.class)
                .hasToString("RestSchemaRegistryClient[http://localhost:8081] (auth none)");
    }

    @Test
    void shouldShareTheInMemoryRegistryNamedByAMemUrl() {
        SchemaRegistryClient client = RegistrySettings.fromConfig(config(Map.of("schema.registry.url", "mem://it")));

        assertThat(client).isSameAs(InMemorySchemaRegistry.named("it"));
    }

    @Test
    void shouldNameTheKeyOfAMalformedAuthenticationWithoutItsSecret() {
        assertThatThrownBy(() -> RegistrySettings.fromConfig(config(Map.of("schema.registry.auth", "basic:s3cret"))))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("schema.registry.auth")
                .hasMessageNotContaining("s3cret");
    }

    @Test
    void shouldNameTheKeyOfAMalformedUrl() {
        assertThatThrownBy(() -> RegistrySettings.fromConfig(config(Map.of("schema.registry.url", "localhost:8081"))))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("schema.registry.url");
    }
}
