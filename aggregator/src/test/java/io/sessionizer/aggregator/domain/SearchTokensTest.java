package io.sessionizer.aggregator.domain;

import static org.assertj.core.api.Assertions.assertThat;

import io.sessionizer.schemas.IoValue;
import io.sessionizer.schemas.Turn;
import io.sessionizer.schemas.Turns;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class SearchTokensTest {
    @Test
    void shouldLowercaseTheWordsOfInputAndOutputOnce() {
        Turn turn = Turns.turn("s", "0".repeat(32)).setTenant("t")
                .setInput(new IoValue("{\"q\": \"Hello, Wörld!\"}", "application/json", false, null))
                .setOutput(Turns.text("hello again 42")).build();
        assertThat(SearchTokens.of(turn)).containsExactly("q", "hello", "wörld", "again", "42");
    }

    @Test
    void shouldFindTheWordsTheRegexOfLettersAndDigitsFinds() {
        // Letters and digits of every kind (Nl, No, supplementary, a lowercase mapping that grows), and what
        // separates words: punctuation, a combining mark, an emoji, a lone surrogate.
        String[] pieces = {"a", "Z", "7", " ", ",", "ö", "İ", "Σ", "ς", "\u0301", "Ⅻ", "²", "\uD835\uDC00",
            "\uD83D\uDE00", "\uD800", "x".repeat(70), "中文"};
        Pattern regex = Pattern.compile("[\\p{L}\\p{N}]+");
        Random random = new Random(7);
        for (int n = 0; n < 2_000; n++) {
            StringBuilder text = new StringBuilder();
            for (int i = random.nextInt(12); i > 0; i--) {
                text.append(pieces[random.nextInt(pieces.length)]);
            }
            List<String> expected = new ArrayList<>();
            Matcher m = regex.matcher(text.toString().toLowerCase(Locale.ROOT));
            while (m.find()) {
                String word = m.group();
                expected.add(word.length() > SearchTokens.MAX_TOKEN_CHARS
                        ? word.substring(0, SearchTokens.MAX_TOKEN_CHARS) : word);
            }
            assertThat(SearchTokens.query(text.toString())).as("words of %s", text).isEqualTo(expected);
        }
    }

    @Test
    void shouldSplitAQueryIntoLowercaseWords() {
        assertThat(SearchTokens.query("  What's THE weather? ")).containsExactly("what", "s", "the", "weather");
        assertThat(SearchTokens.query("?!")).isEmpty();
    }
}
