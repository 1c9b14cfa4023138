package io.sessionizer.schemas.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class RegistryAuthTest {

    @Test
    void shouldSendNoHeaderWhenEmptyOrNone() {
        assertThat(RegistryAuth.parse("").authorizationHeader()).isEmpty();
        assertThat(RegistryAuth.parse(" none ").authorizationHeader()).isEmpty();
    }

    @Test
    void shouldEncodeBasicCredentialsWhosePasswordHoldsColons() {
        RegistryAuth auth = RegistryAuth.parse("basic:key:se:cret");

        // base64("key:se:cret")
        assertThat(auth.authorizationHeader()).contains("Basic a2V5OnNlOmNyZXQ=");
    }

    @Test
    void shouldSendABearerToken() {
        assertThat(RegistryAuth.parse("bearer:tok.en").authorizationHeader()).contains("Bearer tok.en");
    }

    @Test
    void shouldNeverShowTheSecret() {
        assertThat(RegistryAuth.parse("basic:key:secret")).hasToString("basic");
        assertThatThrownBy(() -> RegistryAuth.parse("basic:secretonly"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageNotContaining("secretonly");
        assertThatThrownBy(() -> RegistryAuth.parse("digest:secret"))
                .hasMessageContaining("digest")
                .hasMessageNotContaining("secret'");
    }

    @Test
    void shouldRefuseAnEmptyToken() {
        assertThatThrownBy(() -> RegistryAuth.parse("bearer:")).hasMessageContaining("token");
    }
}
