package io.sessionizer.aggregator.domain;

import static org.assertj.core.api.Assertions.assertThat;

import io.sessionizer.schemas.IoValue;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class TurnLimitsTest {
    private final TurnLimits limits = new TurnLimits(16);
    private final TurnLimits.Cuts cuts = new TurnLimits.Cuts();

    @Test
    void shouldKeepATextThatFitsWholeAndUnmarked() {
        IoValue io = limits.io("exactly sixteen!", "text/plain", cuts);
        assertThat(io).isEqualTo(new IoValue("exactly sixteen!", "text/plain", false, null));
        assertThat(cuts.texts()).isZero();
    }

    @Test
    void shouldCutALongTextToItsFirstBytesOnACodePointAndMarkItsOriginalSize() {
        // 'é' takes 2 bytes and the emoji 4: 7 + 2 + 4 = 13 bytes fit, the next emoji would not.
        String text = "abcdefg" + "é" + "😀" + "😀" + "tail";
        IoValue io = limits.io(text, null, cuts);
        assertThat(io.getValue()).isEqualTo("abcdefgé😀");
        assertThat(io.getTruncated()).isTrue();
        assertThat(io.getOriginalSize()).isEqualTo(text.getBytes(StandardCharsets.UTF_8).length);
        assertThat(io.getValue().getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(16);
        assertThat(cuts.texts()).isEqualTo(1);
    }

    @Test
    void shouldCutAMegabyteTextToTheConfiguredBytes() {
        TurnLimits kib = new TurnLimits(1024);
        IoValue io = kib.io("ж".repeat(600_000), "text/plain", cuts);
        assertThat(io.getValue()).hasSize(512);
        assertThat(io.getOriginalSize()).isEqualTo(1_200_000);
    }

    @Test
    void shouldCutLongNamesWithoutSplittingASurrogatePair() {
        String name = "m".repeat(TurnLimits.MAX_NAME_CHARS - 1) + "😀" + "rest";
        String cut = limits.name(name, cuts);
        assertThat(cut).hasSize(TurnLimits.MAX_NAME_CHARS - 1).isEqualTo("m".repeat(TurnLimits.MAX_NAME_CHARS - 1));
        assertThat(limits.name("gpt-4o", cuts)).isEqualTo("gpt-4o");
        assertThat(limits.name(null, cuts)).isNull();
    }

    @Test
    void shouldCutLongSessionIdsDeterministicallyAndKeepDifferentOnesApart() {
        String a = "conversation-" + "x".repeat(1000) + "-a";
        String b = "conversation-" + "x".repeat(1000) + "-b";
        String cutA = limits.sessionId(a, cuts);
        assertThat(cutA).hasSize(TurnLimits.MAX_SESSION_ID_CHARS).startsWith("conversation-xxx")
                .matches(".*~[0-9a-f]{16}");
        assertThat(limits.sessionId(a, cuts)).isEqualTo(cutA);
        assertThat(limits.sessionId(b, cuts)).isNotEqualTo(cutA);
        assertThat(cuts.sessionIds()).isEqualTo(3);
        String fits = "s".repeat(TurnLimits.MAX_SESSION_ID_CHARS);
        assertThat(limits.sessionId(fits, cuts)).isSameAs(fits);
    }
}
