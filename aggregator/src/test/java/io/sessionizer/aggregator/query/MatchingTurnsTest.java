package io.sessionizer.aggregator.query;

import static org.assertj.core.api.Assertions.assertThat;

import io.sessionizer.aggregator.index.IndexDocuments;
import io.sessionizer.aggregator.index.SessionIndexStore;
import io.sessionizer.aggregator.index.SessionIndexStoreBuilder;
import io.sessionizer.aggregator.state.SessionState;
import io.sessionizer.aggregator.store.StoreKeys;
import io.sessionizer.schemas.Turn;
import io.sessionizer.schemas.Turns;
import io.sessionizer.schemas.serde.AvroBinarySerde;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.apache.lucene.index.DocValues;
import org.apache.lucene.index.IndexReader;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.MultiReader;
import org.apache.lucene.index.NumericDocValues;
import org.apache.lucene.index.ReaderUtil;
import org.apache.lucene.index.SortedDocValues;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause.Occur;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TermQuery;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The best turns of a page's sessions, found in one search, are those one search per session found. */
class MatchingTurnsTest {
    private static final String T = "default";

    @TempDir
    Path stateDir;

    private final List<SessionIndexStore> indexes = new ArrayList<>();

    @AfterEach
    void tearDown() {
        indexes.forEach(SessionIndexStore::close);
    }

    /** An index rebuilt from {@code first}, then given {@code later} in a segment of its own. */
    private SessionIndexStore index(int partition, List<Turn> first, List<Turn> later) {
        StateStoreContext context = new MockProcessorContext<>(new Properties(), new TaskId(0, partition), stateDir.toFile())
                .getStateStoreContext();
        KeyValueStore<String, SessionState> sessions = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(
                "sessions-" + partition), Serdes.String(), AvroBinarySerde.of(SessionState.class))
                .withLoggingDisabled().build();
        KeyValueStore<Bytes, Turn> transcripts = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(
                "transcripts-" + partition), Serdes.Bytes(), AvroBinarySerde.of(Turn.class))
                .withLoggingDisabled().build();
        sessions.init(context, sessions);
        transcripts.init(context, transcripts);
        for (Turn turn : first) {
            transcripts.put(StoreKeys.transcript(key(turn.getSessionId()), StoreKeys.micros(turn.getStartTime()),
                    turn.getTraceId()), turn);
        }
        SessionIndexStore index = new SessionIndexStoreBuilder("index-" + partition).build();
        index.init(context, index);
        indexes.add(index);
        index.rebuildFrom(sessions, transcripts, "m").join();
        later.forEach(turn -> index.putTurn(key(turn.getSessionId()), turn));
        index.flushCache();
        index.awaitApplied();
        return index;
    }

    private static String key(String sessionId) {
        return T + "/" + sessionId;
    }

    private static Turn turn(String session, int n, String input, String output) {
        Instant start = Instant.parse("2026-12-01T10:00:00Z").plusSeconds(n);
        return Turns.turn(session, String.format("%032x", n)).setStartTime(start).setEndTime(start)
                .setInput(Turns.text(input)).setOutput(Turns.text(output)).build();
    }

    @Test
    void shouldFindTheBestTurnsOfEverySessionInOneSearchAsOneSearchPerSessionDid() throws IOException {
        List<Turn> first = new ArrayList<>();
        List<Turn> later = new ArrayList<>();
        // "many": six turns that match, four of them alike (equal scores), some in a later segment.
        for (int n = 1; n <= 4; n++) {
            (n % 2 == 0 ? later : first).add(turn("many", n, "paris in spring", "lovely"));
        }
        first.add(turn("many", 5, "paris paris paris", "paris"));
        later.add(turn("many", 6, "a long question about the weather in paris, the louvre and the seine", "no"));
        first.add(turn("many", 7, "nothing", "here"));
        first.add(turn("one", 8, "where is lyon", "near paris"));
        first.add(turn("none", 9, "berlin", "bonn"));
        for (int n = 10; n < 14; n++) {
            first.add(turn("parlour", n, "the parlour", "parliament and paris"));
        }
        // More words of the prefix "par" than Lucene expands into a disjunction (16): the rest become a bit set.
        StringBuilder many = new StringBuilder();
        for (int w = 0; w < 20; w++) {
            many.append(" par").append(w);
        }
        first.add(turn("parlour", 14, "the parlour", many.toString()));
        SessionIndexStore a = index(0, first, later);
        SessionIndexStore b = index(1, List.of(turn("other", 20, "paris", "paris"), turn("other", 21, "parse", "x"),
                turn("many", 22, "paris in spring", "lovely")), List.of(turn("other", 23, "paris in spring", "x")));
        List<String> keys = List.of(key("many"), key("one"), key("none"), key("parlour"), key("other"),
                key("unknown"));

        try (SessionIndexSearch search = new SessionIndexSearch(List.of(a, b));
                SessionIndexStore.Snapshot sa = a.acquire();
                SessionIndexStore.Snapshot sb = b.acquire()) {
            IndexSearcher reference = new IndexSearcher(new MultiReader(new IndexReader[] {
                sa.searcher().getIndexReader(), sb.searcher().getIndexReader()}, false));
            assertThat(reference.getIndexReader().leaves()).as("several segments").hasSizeGreaterThan(2);
            for (String q : List.of("paris", "par", "paris spring", "\"in spring\"", "paris ", "berlin", "zzz")) {
                for (int max : List.of(1, 3, 10)) {
                    Map<String, List<SessionIndexSearch.TurnMatch>> expected = new HashMap<>();
                    for (String key : keys) {
                        List<SessionIndexSearch.TurnMatch> turns = oneSessionAtATime(reference, key, q, max);
                        if (!turns.isEmpty()) {
                            expected.put(key, turns);
                        }
                    }
                    assertThat(search.matchingTurns(T, keys, q, max)).as("q=%s max=%d", q, max)
                            .isEqualTo(expected);
                }
            }
            assertThat(search.matchingTurns(T, keys, "paris", 3).get(key("many"))).as("best first")
                    .first().extracting(SessionIndexSearch.TurnMatch::traceId).isEqualTo(String.format("%032x", 5));
            assertThat(search.matchingTurns(T, List.of(), "paris", 3)).isEmpty();
        }
    }

    /** How the best turns were found before: one search per session. */
    private static List<SessionIndexSearch.TurnMatch> oneSessionAtATime(IndexSearcher searcher, String sessionKey,
            String q, int max) throws IOException {
        Query query = new BooleanQuery.Builder()
                .add(SessionIndexSearch.turns(T, q), Occur.MUST)
                .add(new TermQuery(new Term(IndexDocuments.SESSION_KEY, sessionKey)), Occur.FILTER)
                .build();
        List<SessionIndexSearch.TurnMatch> matches = new ArrayList<>();
        for (ScoreDoc doc : searcher.search(query, max).scoreDocs) {
            List<LeafReaderContext> leaves = searcher.getIndexReader().leaves();
            LeafReaderContext leaf = leaves.get(ReaderUtil.subIndex(doc.doc, leaves));
            int local = doc.doc - leaf.docBase;
            SortedDocValues traceIds = DocValues.getSorted(leaf.reader(), IndexDocuments.TRACE_ID);
            NumericDocValues starts = DocValues.getNumeric(leaf.reader(), IndexDocuments.START);
            assertThat(traceIds.advanceExact(local) && starts.advanceExact(local)).isTrue();
            matches.add(new SessionIndexSearch.TurnMatch(traceIds.lookupOrd(traceIds.ordValue()).utf8ToString(),
                    starts.longValue()));
        }
        return matches;
    }
}
