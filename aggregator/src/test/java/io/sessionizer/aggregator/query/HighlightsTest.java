package io.sessionizer.aggregator.query;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.apache.lucene.search.uhighlight.Passage;
import org.apache.lucene.search.uhighlight.PassageScorer;
import org.apache.lucene.util.BytesRef;
import org.junit.jupiter.api.Test;

/** The snippets' passage score and text cap. */
class HighlightsTest {
    @Test
    void shouldScorePassagesExactlyAsLucenesScorer() {
        Random random = new Random(7);
        PassageScorer lucene = new PassageScorer();
        PassageScorer ours = new Highlights.PassageScore();
        for (int run = 0; run < 2_000; run++) {
            Passage passage = new Passage();
            int start = random.nextInt(10_000);
            passage.setStartOffset(start);
            int matches = random.nextInt(40);
            passage.setEndOffset(start + 50 * matches + 10 + random.nextInt(100));
            int terms = 1 + random.nextInt(12);
            for (int i = 0, at = start; i < matches; i++, at += 50) {
                int term = random.nextInt(terms);
                passage.addMatch(at, at + 5, new BytesRef("term" + term), 1 + term * 3 + random.nextInt(2));
            }
            int contentLength = passage.getEndOffset() + random.nextInt(5_000);
            assertThat(ours.score(passage, contentLength)).as("run %d", run)
                    .isEqualTo(lucene.score(passage, contentLength));
        }
    }

    @Test
    void shouldCutLongTextsWithoutSplittingASurrogatePair() {
        assertThat(Highlights.head("short")).isEqualTo("short");
        String emoji = "\uD83D\uDE00";
        String text = "a".repeat(Highlights.MAX_CHARS - 1) + emoji + "tail";
        assertThat(Highlights.head(text)).isEqualTo("a".repeat(Highlights.MAX_CHARS - 1));
        assertThat(Highlights.head("b".repeat(Highlights.MAX_CHARS + 10))).hasSize(Highlights.MAX_CHARS);
    }
}
