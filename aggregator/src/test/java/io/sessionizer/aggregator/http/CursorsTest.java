package io.sessionizer.aggregator.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sessionizer.config.ConfigException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class CursorsTest {
    private static final Cursors CURSORS = Cursors.of("cursors-test-secret-of-at-least-32-chars", "api.cursor-secret");
    private static final byte[] KEY = "acme/session-1".getBytes(java.nio.charset.StandardCharsets.UTF_8);

    @Test
    void shouldDecodeWhatItEncodedAndNothingForNoCursor() {
        String cursor = CURSORS.encode(Cursors.Kind.SESSIONS, "acme", KEY);
        assertThat(CURSORS.decode(Cursors.Kind.SESSIONS, "acme", cursor)).isEqualTo(KEY);
        assertThat(cursor).matches("[A-Za-z0-9_-]+");
        assertThat(CURSORS.decode(Cursors.Kind.SESSIONS, "acme", null)).isNull();
        assertThat(CURSORS.decode(Cursors.Kind.SESSIONS, "acme", "")).isNull();
        assertThat(CURSORS.encode(Cursors.Kind.SESSIONS, "acme", null)).isNull();
    }

    @Test
    void shouldRefuseAForgedCursorThatIsValidBase64url() {
        // The old format: the bare store key.
        String forged = Base64.getUrlEncoder().withoutPadding().encodeToString(KEY);
        assertInvalid(Cursors.Kind.SESSIONS, "acme", forged);
        assertInvalid(Cursors.Kind.SESSIONS, "acme", "AAE");
        assertInvalid(Cursors.Kind.SESSIONS, "acme", "A".repeat(200));
        assertInvalid(Cursors.Kind.SESSIONS, "acme", "!!");
        assertInvalid(Cursors.Kind.SESSIONS, "acme", "A".repeat(Cursors.MAX_CURSOR_CHARS + 1));
    }

    @Test
    void shouldRefuseEveryFlippedByteAndEveryCut() {
        byte[] genuine = Base64.getUrlDecoder().decode(CURSORS.encode(Cursors.Kind.SESSIONS, "acme", KEY));
        for (int i = 0; i < genuine.length; i++) {
            byte[] altered = genuine.clone();
            altered[i] ^= 0x01;
            assertInvalid(Cursors.Kind.SESSIONS, "acme", base64(altered));
            byte[] cut = Arrays.copyOf(genuine, i);
            if (i > 0) {
                assertInvalid(Cursors.Kind.SESSIONS, "acme", base64(cut));
            }
        }
    }

    @Test
    void shouldRefuseACursorOfAnotherSecretTenantOrList() {
        Cursors other = new Cursors("another-deployment-secret-of-32-chars".getBytes(StandardCharsets.UTF_8));
        assertInvalid(Cursors.Kind.SESSIONS, "acme", other.encode(Cursors.Kind.SESSIONS, "acme", KEY));
        assertInvalid(Cursors.Kind.SESSIONS, "globex", CURSORS.encode(Cursors.Kind.SESSIONS, "acme", KEY));
        assertInvalid(Cursors.Kind.TURNS, "acme", CURSORS.encode(Cursors.Kind.SESSIONS, "acme", KEY));
    }

    @Test
    void shouldAgreeAcrossInstancesWithTheSameSecretAndNeverWithARandomOne() {
        Cursors sameSecret = Cursors.of("cursors-test-secret-of-at-least-32-chars", "api.cursor-secret");
        assertThat(sameSecret.decode(Cursors.Kind.TURNS, "acme", CURSORS.encode(Cursors.Kind.TURNS, "acme", KEY)))
                .isEqualTo(KEY);
        Cursors random = Cursors.of("", "api.cursor-secret");
        assertInvalid(Cursors.Kind.TURNS, "acme", random.encode(Cursors.Kind.TURNS, "acme", KEY));
    }

    @Test
    void shouldRefuseAShortSecretWithoutRepeatingIt() {
        assertThatThrownBy(() -> Cursors.of("hunter2", "api.cursor-secret"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("api.cursor-secret")
                .hasMessageNotContaining("hunter2");
    }

    private static void assertInvalid(Cursors.Kind kind, String tenant, String cursor) {
        assertThatThrownBy(() -> CURSORS.decode(kind, tenant, cursor))
                .as(cursor)
                .isInstanceOf(Cursors.InvalidCursorException.class)
                .hasMessageContaining("cursor");
    }

    private static String base64(byte[] bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
