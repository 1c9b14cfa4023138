package io.sessionizer.aggregator.query;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The snippets' text cap. */
class HighlightsTest {
    @Test
    void shouldCutLongTextsWithoutSplittingASurrogatePair() {
        assertThat(Highlights.head("short")).isEqualTo("short");
        String emoji = "\uD83D\uDE00";
        String text = "a".repeat(Highlights.MAX_CHARS - 1) + emoji + "tail";
        assertThat(Highlights.head(text)).isEqualTo("a".repeat(Highlights.MAX_CHARS - 1));
        assertThat(Highlights.head("b".repeat(Highlights.MAX_CHARS + 10))).hasSize(Highlights.MAX_CHARS);
    }
}
