package io.sessionizer.aggregator.domain;

import io.sessionizer.schemas.IoValue;
import io.sessionizer.schemas.Turn;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The words a search matches: lowercased runs of letters and digits of a turn's input and output. */
public final class SearchTokens {
    /** Longer runs (base64, hashes) are not words anyone types; they would only bloat the index. */
    public static final int MAX_TOKEN_CHARS = 64;
    /** Bounds the index entries of one turn whose input or output is a whole document. */
    public static final int MAX_TOKENS_PER_TURN = 2_000;
    private static final Pattern WORD = Pattern.compile("[\\p{L}\\p{N}]+");

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
        Matcher m = WORD.matcher(q.toLowerCase(Locale.ROOT));
        while (m.find()) {
            String word = m.group();
            words.add(word.length() > MAX_TOKEN_CHARS ? word.substring(0, MAX_TOKEN_CHARS) : word);
        }
        return words;
    }

    private static void add(Set<String> tokens, IoValue value) {
        if (value == null || value.getValue() == null) {
            return;
        }
        Matcher m = WORD.matcher(value.getValue().toLowerCase(Locale.ROOT));
        while (m.find() && tokens.size() < MAX_TOKENS_PER_TURN) {
            String word = m.group();
            tokens.add(word.length() > MAX_TOKEN_CHARS ? word.substring(0, MAX_TOKEN_CHARS) : word);
        }
    }
}
