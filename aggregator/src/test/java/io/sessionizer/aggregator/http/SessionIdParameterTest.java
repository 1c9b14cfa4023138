package io.sessionizer.aggregator.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SessionIdParameterTest {
    private static Optional<String> base64(String id) {
        return Optional.of(Base64.getUrlEncoder().withoutPadding().encodeToString(id.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void shouldTakeSessionIdVerbatimOrDecodeBase64urlOfAnyText() {
        assertThat(SessionsApi.sessionId(Optional.of("../../etc/passwd"), Optional.empty()))
                .isEqualTo("../../etc/passwd");
        for (String id : new String[] {"nul\u0000byte", "\u0001\u007f", "ünï/cødé 😀", "..", "facets"}) {
            assertThat(SessionsApi.sessionId(Optional.empty(), base64(id))).isEqualTo(id);
        }
        // Padding is optional.
        assertThat(SessionsApi.sessionId(Optional.empty(), Optional.of("YQ=="))).isEqualTo("a");
    }

    @Test
    void shouldRefuseNoneBothOrWhatIsNotBase64urlOfUtf8() {
        for (Optional<?>[] pair : new Optional<?>[][] {{Optional.empty(), Optional.empty()},
                {Optional.of(""), Optional.of("")}, {Optional.of("a"), Optional.of("YQ")},
                {Optional.empty(), Optional.of("a+b/")}, {Optional.empty(), Optional.of("_w")},
                {Optional.empty(), Optional.of("A")}}) {
            @SuppressWarnings("unchecked")
            Optional<String> plain = (Optional<String>) pair[0];
            @SuppressWarnings("unchecked")
            Optional<String> encoded = (Optional<String>) pair[1];
            assertThatThrownBy(() -> SessionsApi.sessionId(plain, encoded))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("session_id");
        }
    }
}
