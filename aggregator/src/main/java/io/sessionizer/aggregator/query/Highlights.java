package io.sessionizer.aggregator.query;

import io.sessionizer.aggregator.index.IndexDocuments;
import io.sessionizer.schemas.IoValue;
import io.sessionizer.schemas.Turn;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.uhighlight.DefaultPassageFormatter;
import org.apache.lucene.search.uhighlight.FieldHighlighter;
import org.apache.lucene.search.uhighlight.UnifiedHighlighter;

/**
 * Snippets of the turns a search matched: the best passage of the input or output, HTML-escaped, with the matched
 * words wrapped in {@code <mark>}. Cut from the transcript store's text (the index does not store text), with
 * Lucene's unified highlighter re-analysing it.
 *
 * <p>One instance serves one page, on one thread: the highlighter of each field (the query's terms and prefix
 * automata, the break iterator, the in-memory index the text is analysed into) is made once for the page and reused
 * for each of its turns, as the highlighter itself does for the documents of one call.
 */
final class Highlights {
    /** Characters of a turn's text that are highlighted; a match further in still finds the turn, without snippet. */
    static final int MAX_CHARS = 64 * 1024;
    private static final Highlighter HIGHLIGHTER = new Highlighter(UnifiedHighlighter
            .builderWithoutSearcher(IndexDocuments.ANALYZER)
            .withFormatter(new DefaultPassageFormatter("<mark>", "</mark>", "… ", true))
            .withMaxNoHighlightPassages(0));

    private final Query words;
    private FieldHighlighter input;
    private FieldHighlighter output;

    /**
     * Highlights for {@code words}, a query on the input and output fields only (a clause on another field would not
     * match the text alone).
     */
    Highlights(Query words) {
        this.words = words;
    }

    /** The snippet of {@code turn}: its input's if that matched, else its output's. */
    SessionReader.Match of(Turn turn) {
        try {
            if (input == null) {
                input = HIGHLIGHTER.forField(IndexDocuments.INPUT, words);
            }
            String snippet = snippet(input, turn.getInput());
            if (snippet != null) {
                return new SessionReader.Match(turn, IndexDocuments.INPUT, snippet);
            }
            if (output == null) {
                output = HIGHLIGHTER.forField(IndexDocuments.OUTPUT, words);
            }
            snippet = snippet(output, turn.getOutput());
            return new SessionReader.Match(turn, snippet == null ? null : IndexDocuments.OUTPUT, snippet);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String snippet(FieldHighlighter field, IoValue value) throws IOException {
        Object snippet = field.highlightFieldForDoc(null, -1, head(IndexDocuments.text(value)));
        return snippet == null || snippet.toString().isEmpty() ? null : snippet.toString();
    }

    /**
     * The first {@link #MAX_CHARS} characters of {@code text}, not splitting a surrogate pair: the highlighter
     * analyses all the text it is given (its own maximum length applies only to text it loads from an index).
     */
    static String head(String text) {
        if (text.length() <= MAX_CHARS) {
            return text;
        }
        return text.substring(0, Character.isHighSurrogate(text.charAt(MAX_CHARS - 1)) ? MAX_CHARS - 1 : MAX_CHARS);
    }

    /** The unified highlighter, opened up to hand out one field's highlighter for reuse over many texts. */
    private static final class Highlighter extends UnifiedHighlighter {
        Highlighter(UnifiedHighlighter.Builder builder) {
            super(builder);
        }

        FieldHighlighter forField(String field, Query query) {
            return getFieldHighlighter(field, query, extractTerms(query), 1);
        }
    }
}
