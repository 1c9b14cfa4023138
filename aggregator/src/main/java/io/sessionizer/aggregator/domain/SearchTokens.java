package io.sessionizer.aggregator.domain;

import io.sessionizer.schemas.IoValue;
import io.sessionizer.schemas.Turn;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The words a search matches: lowercased runs of letters and digits (Unicode categories L and N, as the regex
 * {@code [\p{L}\p{N}]+} would find them) of a turn's input and output. A hand-written scan rather than that regex:
 * every new turn is tokenized on the stream thread, and the regex took a tenth of that thread's CPU.
 */
public final class SearchTokens {
    /** Longer runs (base64, hashes) are not words anyone types; they would only bloat the index. */
    public static final int MAX_TOKEN_CHARS = 64;
    /** Bounds the index entries of one turn whose input or output is a whole document. */
    public static final int MAX_TOKENS_PER_TURN = 2_000;

    private SearchTokens() {
    }

    /** The distinct tokens of a turn's input and output, in order of first appearance; empty for null. */
    public static Set<String> of(Turn turn) {
        Set<String> tokens = new LinkedHashSet<>();
        if (turn != null) {
            add(tokens, turn.getInput());
            add(tokens, turn.getOutput());
        }
        return tokens;
    }

    /** The words of a search query, lowercased, in order; the last one is matched as a prefix. */
    public static List<String> query(String q) {
        List<String> words = new ArrayList<>();
        addWords(words, q, Integer.MAX_VALUE);
        return words;
    }

    private static void add(Set<String> tokens, IoValue value) {
        if (value == null || value.getValue() == null) {
            return;
        }
        addWords(tokens, value.getValue(), MAX_TOKENS_PER_TURN);
    }

    /** Adds the words of {@code text}, each cut to {@link #MAX_TOKEN_CHARS}, until {@code words} holds {@code max}. */
    private static void addWords(Collection<String> words, String text, int max) {
        // Lowercased whole, before the scan, as case mappings may depend on the neighbouring letters.
        String lower = text.toLowerCase(Locale.ROOT);
        int i = 0;
        while (i < lower.length() && words.size() < max) {
            int start = i;
            while (i < lower.length() && isWordChar(lower.codePointAt(i))) {
                i += Character.charCount(lower.codePointAt(i));
            }
            if (i > start) {
                words.add(lower.substring(start, Math.min(i, start + MAX_TOKEN_CHARS)));
            } else {
                i += Character.charCount(lower.codePointAt(i));
            }
        }
    }

    private static boolean isWordChar(int codePoint) {
        return switch (Character.getType(codePoint)) {
            case Character.UPPERCASE_LETTER, Character.LOWERCASE_LETTER, Character.TITLECASE_LETTER,
                    Character.MODIFIER_LETTER, Character.OTHER_LETTER, Character.DECIMAL_DIGIT_NUMBER,
                    Character.LETTER_NUMBER, Character.OTHER_NUMBER -> true;
            default -> false;
        };
    }
}
