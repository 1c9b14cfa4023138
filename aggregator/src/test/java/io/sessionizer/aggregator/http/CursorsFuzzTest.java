package io.sessionizer.aggregator.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * The cursor decoder takes any string: it decodes one only when this deployment signed it, for this list and tenant,
 * and refuses everything else with the one exception the API answers as a 400. Seeds in CursorsFuzzTestInputs run in
 * every build; {@code JAZZER_FUZZ=1} fuzzes.
 */
class CursorsFuzzTest {
    private static final String TENANT = "acme";
    private static final Cursors CURSORS = new Cursors(
            "cursors-fuzz-test-secret-of-32-characters".getBytes(StandardCharsets.UTF_8));

    @FuzzTest
    void shouldDecodeOnlySignedCursors(FuzzedDataProvider data) {
        Cursors.Kind kind = data.consumeBoolean() ? Cursors.Kind.SESSIONS : Cursors.Kind.TURNS;
        String cursor;
        if (data.consumeBoolean()) {
            // A genuine cursor, then perhaps altered: the mutations that matter start from a signed one.
            char[] chars = CURSORS.encode(kind, TENANT, data.consumeBytes(400)).toCharArray();
            int edits = data.consumeInt(0, 3);
            for (int i = 0; i < edits; i++) {
                chars[data.consumeInt(0, chars.length - 1)] = data.consumeChar();
            }
            int length = data.consumeInt(0, chars.length);
            cursor = new String(chars, 0, length);
        } else {
            cursor = data.consumeRemainingAsString();
        }
        byte[] key;
        try {
            key = CURSORS.decode(kind, TENANT, cursor);
        } catch (Cursors.InvalidCursorException e) {
            return;
        }
        if (key == null) {
            assertThat(cursor).isEmpty();
            return;
        }
        // Decoded: then its bytes are exactly those this deployment signs for that key.
        assertThat(Base64.getUrlDecoder().decode(cursor))
                .isEqualTo(Base64.getUrlDecoder().decode(CURSORS.encode(kind, TENANT, key)));
    }
}
