package io.sessionizer.aggregator.query;

import io.sessionizer.aggregator.index.IndexDocuments;
import io.sessionizer.schemas.Turn;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.uhighlight.DefaultPassageFormatter;
import org.apache.lucene.search.uhighlight.UnifiedHighlighter;

/**
 * Snippets of the turns a search matched: the best passage of the input or output, HTML-escaped, with the matched
 * words wrapped in {@code <mark>}. Cut from the transcript store's text (the index does not store text), with
 * Lucene's unified highlighter re-analysing it.
 */
final class Highlights {
    /** Characters of a turn's text that are highlighted; a match further in still finds the turn, without snippet. */
    static final int MAX_CHARS = 64 * 1024;
    private static final UnifiedHighlighter HIGHLIGHTER = UnifiedHighlighter
            .builderWithoutSearcher(IndexDocuments.ANALYZER)
            .withFormatter(new DefaultPassageFormatter("<mark>", "</mark>", "… ", true))
            .withMaxLength(MAX_CHARS)
            .withMaxNoHighlightPassages(0)
            .build();

    private Highlights() {
    }

    /**
     * The snippet of {@code turn} for {@code words}, a query on the input and output fields only (a clause on another
     * field would not match the text alone): its input's if that matched, else its output's.
     */
    static SessionReader.Match of(Turn turn, Query words) {
        try {
            for (String field : new String[] {IndexDocuments.INPUT, IndexDocuments.OUTPUT}) {
                String text = IndexDocuments.text(IndexDocuments.INPUT.equals(field) ? turn.getInput()
                        : turn.getOutput());
                Object snippet = HIGHLIGHTER.highlightWithoutSearcher(field, words, text, 1);
                if (snippet != null && !snippet.toString().isEmpty()) {
                    return new SessionReader.Match(turn, field, snippet.toString());
                }
            }
            return new SessionReader.Match(turn, null, null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
