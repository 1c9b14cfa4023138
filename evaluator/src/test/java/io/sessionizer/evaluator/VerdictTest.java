package io.sessionizer.evaluator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class VerdictTest {
    @Test
    void shouldRefuseWhatTheApiWouldRefuse() {
        assertThatThrownBy(() -> Verdict.session("has space", "pass", null, null, null))
                .hasMessageContaining("[A-Za-z0-9_-]{1,64}");
        assertThatThrownBy(() -> Verdict.session("x".repeat(65), "pass", null, null, null))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Verdict.session("ok", null, null, null, null)).hasMessageContaining("label or a score");
        assertThatThrownBy(() -> Verdict.session("ok", "l".repeat(129), null, null, null))
                .hasMessageContaining("label");
        assertThatThrownBy(() -> Verdict.session("ok", null, Double.NaN, null, null)).hasMessageContaining("finite");
        assertThatThrownBy(() -> Verdict.turn("abc", "ok", "pass", null, null, null)).hasMessageContaining("32 hex");
    }

    @Test
    void shouldLowerCaseTheTraceIdAndCutALongExplanation() {
        Verdict verdict = Verdict.turn("ABCDEF0123456789ABCDEF0123456789", "ok", null, 0.5, "e".repeat(5000),
                Map.of("k", 1));
        assertThat(verdict.traceId()).isEqualTo("abcdef0123456789abcdef0123456789");
        assertThat(verdict.explanation()).hasSize(Verdict.MAX_EXPLANATION_CHARS).endsWith("…");
        assertThat(verdict.onSession()).isFalse();
        assertThat(verdict.metadata()).containsEntry("k", 1);
    }

    @Test
    void shouldScorePassOneAndFailZero() {
        assertThat(Verdict.passOrFail(null, "ok", true, null, null)).extracting(Verdict::label, Verdict::score)
                .containsExactly("pass", 1.0);
        assertThat(Verdict.passOrFail(null, "ok", false, null, null)).extracting(Verdict::label, Verdict::score)
                .containsExactly("fail", 0.0);
    }
}
