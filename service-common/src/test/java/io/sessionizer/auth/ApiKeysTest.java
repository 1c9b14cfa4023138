package io.sessionizer.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sessionizer.config.ConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ApiKeysTest {

    @Test
    void shouldPutEveryRequestInTheDefaultTenantWithoutKeys() {
        ApiKeys keys = ApiKeys.of(List.of(), "auth.api-keys", "");

        assertThat(keys.enabled()).isFalse();
        assertThat(keys.tenantFor(null)).contains("default");
        assertThat(keys.tenantFor("Bearer anything")).contains("default");
    }

    @Test
    void shouldMapEachKeyToItsTenant() {
        ApiKeys keys = ApiKeys.of(List.of("k-alpha=alpha", "k-beta=beta"), "auth.api-keys", "");

        assertThat(keys.tenantFor("Bearer k-alpha")).contains("alpha");
        assertThat(keys.tenantFor("bearer k-beta")).contains("beta");
        assertThat(keys.tenantFor("BEARER  k-beta ")).contains("beta");
    }

    @Test
    void shouldRefuseMissingWrongAndMalformedCredentials() {
        ApiKeys keys = ApiKeys.of(List.of("k-alpha=alpha"), "auth.api-keys", "");

        assertThat(keys.tenantFor(null)).isEmpty();
        assertThat(keys.tenantFor("")).isEmpty();
        assertThat(keys.tenantFor("Bearer ")).isEmpty();
        assertThat(keys.tenantFor("Bearer k-alph")).isEmpty();
        assertThat(keys.tenantFor("Bearer k-alpha2")).isEmpty();
        assertThat(keys.tenantFor("Basic k-alpha")).isEmpty();
        assertThat(keys.tenantFor("k-alpha")).isEmpty();
    }

    @Test
    void shouldReadKeysFromAPropertiesFile(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("keys.properties");
        Files.writeString(file, "# one line per key\nk-file=gamma\n");

        ApiKeys keys = ApiKeys.of(List.of("k-env=delta"), "auth.api-keys", file.toString());

        assertThat(keys.tenantFor("Bearer k-file")).contains("gamma");
        assertThat(keys.tenantFor("Bearer k-env")).contains("delta");
    }

    @Test
    void shouldFailFastOnInvalidTenantsWithoutShowingTheKey() {
        assertThatThrownBy(() -> ApiKeys.of(List.of("secret-key=Not_Valid!"), "auth.api-keys", ""))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("Invalid tenant 'Not_Valid!' in auth.api-keys")
                .hasMessageNotContaining("secret-key");
        assertThatThrownBy(() -> ApiKeys.of(List.of("no-tenant"), "auth.api-keys", ""))
                .isInstanceOf(ConfigException.class)
                .hasMessage("Invalid entry in auth.api-keys: expected key=tenant");
        assertThatThrownBy(() -> ApiKeys.of(List.of(), "auth.api-keys", "/does/not/exist"))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("Cannot read API key file /does/not/exist");
    }
}
