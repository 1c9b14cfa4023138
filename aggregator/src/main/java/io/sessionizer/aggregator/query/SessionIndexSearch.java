package io.sessionizer.aggregator.query;

import io.sessionizer.aggregator.index.IndexDocuments;
import io.sessionizer.aggregator.index.SessionIndexStore;
import io.sessionizer.aggregator.store.StoreKeys;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.apache.lucene.document.DoublePoint;
import org.apache.lucene.document.LongPoint;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.DocValues;
import org.apache.lucene.index.IndexReader;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.MultiReader;
import org.apache.lucene.index.NumericDocValues;
import org.apache.lucene.index.ReaderUtil;
import org.apache.lucene.index.SortedDocValues;
import org.apache.lucene.index.SortedSetDocValues;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.TermsEnum;
import org.apache.lucene.search.BooleanClause.Occur;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.Collector;
import org.apache.lucene.search.CollectorManager;
import org.apache.lucene.search.FieldDoc;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.LeafCollector;
import org.apache.lucene.search.MatchNoDocsQuery;
import org.apache.lucene.search.PhraseQuery;
import org.apache.lucene.search.PrefixQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.Scorable;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.ScoreMode;
import org.apache.lucene.search.Sort;
import org.apache.lucene.search.SortField;
import org.apache.lucene.search.TermInSetQuery;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.search.TopFieldDocs;
import org.apache.lucene.search.join.JoinUtil;
import org.apache.lucene.util.BytesRef;
import org.apache.lucene.util.NumericUtils;

/**
 * Lists, search, facets and stats over the session indexes of this instance's tasks, read together as one point-in-
 * time view ({@link SessionIndexStore.Snapshot}s joined in a {@link MultiReader}). Every answer is one Lucene query:
 * filters are term, point and join queries, sorting and cursors are Lucene's sort with {@code searchAfter}, and
 * nothing examines a capped number of sessions.
 *
 * <p>Facets and stats are counted here from doc values rather than with {@code lucene-facet}: its sorted-set facet
 * counts need a global ordinal map of the whole reader, which would be rebuilt at every commit's refresh; counting
 * per segment and merging the few values found costs nothing at refresh.
 */
public final class SessionIndexSearch implements AutoCloseable {
    /** Values a facet keeps per instance before merging; more distinct values than this are cut (the rarest). */
    public static final int MAX_FACET_VALUES = 10_000;
    private static final Pattern PHRASES = Pattern.compile("\"([^\"]*)\"?");

    private final List<SessionIndexStore.Snapshot> snapshots;
    private final IndexSearcher searcher;
    private final int[] starts;

    /**
     * Acquires a view of every given index (partition order), released by {@link #close()}.
     *
     * @throws io.sessionizer.aggregator.index.IndexUnavailableException when one of them is being rebuilt
     */
    public SessionIndexSearch(List<SessionIndexStore> indexes) {
        List<SessionIndexStore.Snapshot> acquired = new ArrayList<>();
        try {
            for (SessionIndexStore index : indexes) {
                acquired.add(index.acquire());
            }
        } catch (RuntimeException e) {
            acquired.forEach(SessionIndexStore.Snapshot::close);
            throw e;
        }
        this.snapshots = acquired;
        IndexReader[] readers = new IndexReader[acquired.size()];
        starts = new int[acquired.size() + 1];
        for (int i = 0; i < readers.length; i++) {
            readers[i] = acquired.get(i).searcher().getIndexReader();
            starts[i + 1] = starts[i] + readers[i].maxDoc();
        }
        try {
            this.searcher = new IndexSearcher(new MultiReader(readers, false));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Where a session stands in a sorted list: the cursor continues after it.
     *
     * @param annotation with {@link SessionQuery.Sort#ANNOTATION_SCORE}, the annotation name sorted on; else null
     * @param bits the sort value: a score's float bits, a cost's double bits, a mean annotation score's
     *     {@link IndexDocuments#scoreBits} (or {@link Long#MAX_VALUE} ascending, {@link Long#MIN_VALUE} descending, for
     *     none: last), else the number
     */
    public record Position(SessionQuery.Sort sort, String annotation, boolean ascending, long bits, String sessionKey)
            implements Comparable<Position> {
        /** The position in a list of a sort other than {@link SessionQuery.Sort#ANNOTATION_SCORE}. */
        public Position(SessionQuery.Sort sort, boolean ascending, long bits, String sessionKey) {
            this(sort, null, ascending, bits, sessionKey);
        }

        /** List order: the sort value as {@code ascending} says, then the session key. */
        @Override
        public int compareTo(Position o) {
            int byValue = switch (sort) {
                case RELEVANCE -> Float.compare(Float.intBitsToFloat((int) bits), Float.intBitsToFloat((int) o.bits));
                case COST -> Double.compare(Double.longBitsToDouble(bits), Double.longBitsToDouble(o.bits));
                default -> Long.compare(bits, o.bits);
            };
            if (!ascending) {
                byValue = -byValue;
            }
            return byValue != 0 ? byValue : sessionKey.compareTo(o.sessionKey);
        }
    }

    /**
     * The bytes of a position, for a cursor: sort, order, (for an annotation score, the name's length and the name
     * in ASCII,) the value's 64 bits, the session key in UTF-8.
     */
    public static byte[] toBytes(Position p) {
        byte[] key = p.sessionKey().getBytes(StandardCharsets.UTF_8);
        byte[] name = p.annotation() == null ? new byte[0] : p.annotation().getBytes(StandardCharsets.US_ASCII);
        ByteBuffer bytes = ByteBuffer.allocate(2 + (p.annotation() == null ? 0 : 1 + name.length) + Long.BYTES
                + key.length).put((byte) p.sort().ordinal()).put((byte) (p.ascending() ? 1 : 0));
        if (p.annotation() != null) {
            bytes.put((byte) name.length).put(name);
        }
        return bytes.putLong(p.bits()).put(key).array();
    }

    /**
     * The position of a cursor's bytes, which must be of the same sort and order as {@code query}.
     *
     * @throws InvalidParameterException naming {@code cursor} otherwise
     */
    public static Position fromBytes(byte[] bytes, SessionQuery query) {
        int at = 2;
        if (bytes.length >= 3 && query.sortAnnotation() != null) {
            byte[] name = query.sortAnnotation().getBytes(StandardCharsets.US_ASCII);
            at = bytes[2] == name.length && bytes.length >= 3 + name.length
                    && Arrays.equals(bytes, 3, 3 + name.length, name, 0, name.length) ? 3 + name.length : -1;
        }
        if (at < 0 || bytes.length < at + Long.BYTES || bytes[0] != query.sort().ordinal()
                || bytes[1] != (query.ascending() ? 1 : 0)) {
            throw new InvalidParameterException("cursor", "it continues a list of another sort or order: pass the"
                    + " same sort and order as the request that gave it");
        }
        ByteBuffer buffer = ByteBuffer.wrap(bytes, at, Long.BYTES);
        return new Position(query.sort(), query.sortAnnotation(), query.ascending(), buffer.getLong(),
                new String(bytes, at + Long.BYTES, bytes.length - at - Long.BYTES, StandardCharsets.UTF_8));
    }

    /** A session of a list page, with the index (in the order given) of the partition whose index holds it. */
    public record Hit(String sessionKey, int partition, Position position) {
    }

    /** A page of hits; {@code more} when the list goes on after the last. */
    public record Hits(List<Hit> hits, boolean more) {
    }

    /**
     * A page of a tenant's sessions that {@code query} selects, in its sort, after {@code after} (null: first).
     *
     * <p>A search ({@code q}) is run partition by partition and the pages merged: a session's turns are all in its
     * partition's index, so each partition's join looks its matching turns' session keys up in its own segments
     * only, not in every segment of the instance (the join is most of a search's cost). Each partition's searcher
     * scores with the statistics of all of them ({@link PartitionSearcher}), so the scores, and the order, are those
     * of one search over the whole instance.
     */
    public Hits list(String tenant, SessionQuery query, Position after, int limit) {
        if (searcher.getIndexReader().maxDoc() == 0) {
            return new Hits(List.of(), false);
        }
        if (query.q() == null || snapshots.size() == 1) {
            return page(searcher, -1, sessions(tenant, query, searcher), query, after, limit);
        }
        List<Hit> merged = new ArrayList<>();
        boolean more = false;
        for (int p = 0; p < snapshots.size(); p++) {
            IndexSearcher partition = new PartitionSearcher(snapshots.get(p).searcher().getIndexReader(), searcher);
            if (partition.getIndexReader().maxDoc() > 0) {
                Hits hits = page(partition, p, sessions(tenant, query, partition), query, after, limit);
                merged.addAll(hits.hits());
                more |= hits.more();
            }
        }
        merged.sort(java.util.Comparator.comparing(Hit::position));
        if (merged.size() > limit) {
            return new Hits(List.copyOf(merged.subList(0, limit)), true);
        }
        return new Hits(merged, more);
    }

    /** A page from one searcher: of partition {@code partition}, or of the whole instance when -1. */
    private Hits page(IndexSearcher from, int partition, Query q, SessionQuery query, Position after, int limit) {
        Sort sort = sort(query);
        int maxDoc = from.getIndexReader().maxDoc();
        try {
            // A relevance sort keeps each hit's score among its sort values; asking for scores as well would run the
            // query again over the hits' segments (a search's join is most of its cost).
            TopDocs top = after == null ? from.search(q, limit + 1, sort, false)
                    : from.searchAfter(fieldDoc(after, maxDoc), q, limit + 1, sort, false);
            List<Hit> hits = new ArrayList<>();
            for (ScoreDoc doc : top.scoreDocs) {
                if (hits.size() == limit) {
                    break;
                }
                FieldDoc field = (FieldDoc) doc;
                String key = ((BytesRef) field.fields[1]).utf8ToString();
                long bits = switch (query.sort()) {
                    case RELEVANCE -> Float.floatToIntBits((Float) field.fields[0]);
                    case COST -> Double.doubleToLongBits((Double) field.fields[0]);
                    default -> (Long) field.fields[0];
                };
                hits.add(new Hit(key, partition >= 0 ? partition : ReaderUtil.subIndex(doc.doc, starts),
                        new Position(query.sort(), query.sortAnnotation(), query.ascending(), bits, key)));
            }
            return new Hits(hits, top.scoreDocs.length > limit);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A searcher of one partition's index that scores with the term and field statistics of the instance's whole
     * view, so that BM25 gives a document the score it has in a search over all partitions.
     */
    private static final class PartitionSearcher extends IndexSearcher {
        private final IndexSearcher whole;

        PartitionSearcher(IndexReader partition, IndexSearcher whole) {
            super(partition);
            this.whole = whole;
        }

        @Override
        public org.apache.lucene.search.TermStatistics termStatistics(Term term, int docFreq, long totalTermFreq)
                throws IOException {
            org.apache.lucene.index.TermStates all = org.apache.lucene.index.TermStates.build(whole, term, true);
            return whole.termStatistics(term, all.docFreq(), all.totalTermFreq());
        }

        @Override
        public org.apache.lucene.search.CollectionStatistics collectionStatistics(String field) throws IOException {
            return whole.collectionStatistics(field);
        }
    }

    private static FieldDoc fieldDoc(Position after, int maxDoc) {
        Object value = switch (after.sort()) {
            case RELEVANCE -> Float.intBitsToFloat((int) after.bits());
            case COST -> Double.longBitsToDouble(after.bits());
            default -> after.bits();
        };
        // A unique key breaks every tie, so the document number is compared only for the cursor's own session:
        // the highest excludes it, wherever it now is.
        return new FieldDoc(maxDoc - 1, Float.NaN, new Object[] {value, new BytesRef(after.sessionKey())});
    }

    private static Sort sort(SessionQuery query) {
        SortField key = new SortField(IndexDocuments.SESSION_KEY, SortField.Type.STRING);
        boolean reverse = !query.ascending();
        SortField first = switch (query.sort()) {
            // A score sorts highest first unless reversed, the other way round from the fields.
            case RELEVANCE -> new SortField(null, SortField.Type.SCORE, query.ascending());
            case END_TIME -> new SortField(IndexDocuments.END, SortField.Type.LONG, reverse);
            case START_TIME -> new SortField(IndexDocuments.START, SortField.Type.LONG, reverse);
            case COST -> new SortField(IndexDocuments.COST, SortField.Type.DOUBLE, reverse);
            case TOKENS -> new SortField(IndexDocuments.TOKENS, SortField.Type.LONG, reverse);
            case TURNS -> new SortField(IndexDocuments.TURNS, SortField.Type.LONG, reverse);
            case DURATION -> new SortField(IndexDocuments.DURATION, SortField.Type.LONG, reverse);
            case ERRORS -> new SortField(IndexDocuments.ERRORS, SortField.Type.LONG, reverse);
            case ANNOTATION_SCORE -> {
                SortField score = new SortField(IndexDocuments.annotationScore(query.sortAnnotation()),
                        SortField.Type.LONG, reverse);
                // Beyond every score's bits (IndexDocuments.scoreBits): last in either order.
                score.setMissingValue(reverse ? Long.MIN_VALUE : Long.MAX_VALUE);
                yield score;
            }
        };
        return new Sort(first, key);
    }

    /** The session documents of a tenant that {@code query} selects. */
    Query sessions(String tenant, SessionQuery query) {
        return sessions(tenant, query, searcher);
    }

    /** The same, with a search's joins built on {@code joins}: the searcher the query then runs on. */
    private Query sessions(String tenant, SessionQuery query, IndexSearcher joins) {
        BooleanQuery.Builder b = new BooleanQuery.Builder()
                .add(new TermQuery(new Term(IndexDocuments.KIND, IndexDocuments.SESSION)), Occur.FILTER)
                .add(new TermQuery(new Term(IndexDocuments.TENANT, tenant)), Occur.FILTER);
        anyOf(b, IndexDocuments.PROJECT, query.projects());
        anyOf(b, IndexDocuments.USER, query.userIds());
        anyOf(b, IndexDocuments.STATUS, query.statuses());
        anyOf(b, IndexDocuments.MODEL, query.models());
        for (String tag : query.tags()) {
            b.add(new TermQuery(new Term(IndexDocuments.TAG, tag)), Occur.FILTER);
        }
        for (Map.Entry<String, String> entry : query.metadata().entrySet()) {
            b.add(new TermQuery(new Term(IndexDocuments.METADATA,
                    IndexDocuments.metadataTerm(entry.getKey(), entry.getValue()))), Occur.FILTER);
        }
        if (query.from() != null) {
            b.add(LongPoint.newRangeQuery(IndexDocuments.END, StoreKeys.micros(query.from()), Long.MAX_VALUE),
                    Occur.FILTER);
        }
        if (query.to() != null) {
            b.add(LongPoint.newRangeQuery(IndexDocuments.START, Long.MIN_VALUE, StoreKeys.micros(query.to()) - 1),
                    Occur.FILTER);
        }
        if (query.hasError() != null) {
            b.add(query.hasError() ? LongPoint.newRangeQuery(IndexDocuments.ERRORS, 1, Long.MAX_VALUE)
                    : LongPoint.newExactQuery(IndexDocuments.ERRORS, 0), Occur.FILTER);
        }
        if (query.minCost() != null || query.maxCost() != null) {
            b.add(DoublePoint.newRangeQuery(IndexDocuments.COST,
                    query.minCost() == null ? Double.NEGATIVE_INFINITY : query.minCost(),
                    query.maxCost() == null ? Double.POSITIVE_INFINITY : query.maxCost()), Occur.FILTER);
        }
        range(b, IndexDocuments.TOKENS, query.minTokens(), query.maxTokens());
        range(b, IndexDocuments.TURNS, query.minTurns(), query.maxTurns());
        for (SessionQuery.AnnotationFilter annotation : query.annotations()) {
            anyOf(b, IndexDocuments.annotationLabel(annotation.name()), annotation.labels());
            if (annotation.minScore() != null || annotation.maxScore() != null) {
                b.add(LongPoint.newRangeQuery(IndexDocuments.annotationScore(annotation.name()),
                        IndexDocuments.scoreBits(annotation.minScore() == null ? Double.NEGATIVE_INFINITY
                                : annotation.minScore()),
                        IndexDocuments.scoreBits(annotation.maxScore() == null ? Double.POSITIVE_INFINITY
                                : annotation.maxScore())), Occur.FILTER);
            }
        }
        if (query.q() != null) {
            List<Query> words = words(query.q());
            if (words.isEmpty()) {
                return new MatchNoDocsQuery("no words in q");
            }
            // Every word or phrase must match some turn of the session, not necessarily the same one; a session
            // scores as the sum of its best-matching turn's score for each.
            for (Query word : words) {
                try {
                    b.add(JoinUtil.createJoinQuery(IndexDocuments.SESSION_KEY, false, IndexDocuments.SESSION_KEY,
                            turnsOf(tenant, word), joins, org.apache.lucene.search.join.ScoreMode.Max),
                            Occur.MUST);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
        return b.build();
    }

    private static void anyOf(BooleanQuery.Builder b, String field, List<String> values) {
        if (values.size() == 1) {
            b.add(new TermQuery(new Term(field, values.get(0))), Occur.FILTER);
        } else if (!values.isEmpty()) {
            b.add(new TermInSetQuery(field, values.stream().map(BytesRef::new).toList()), Occur.FILTER);
        }
    }

    private static void range(BooleanQuery.Builder b, String field, Long min, Long max) {
        if (min != null || max != null) {
            b.add(LongPoint.newRangeQuery(field, min == null ? Long.MIN_VALUE : min,
                    max == null ? Long.MAX_VALUE : max), Occur.FILTER);
        }
    }

    private static Query turnsOf(String tenant, Query match) {
        return new BooleanQuery.Builder()
                .add(new TermQuery(new Term(IndexDocuments.KIND, IndexDocuments.TURN)), Occur.FILTER)
                .add(new TermQuery(new Term(IndexDocuments.TENANT, tenant)), Occur.FILTER)
                .add(match, Occur.MUST)
                .build();
    }

    /**
     * The turn documents of a tenant whose input or output match any word or phrase of {@code q}: the turns shown
     * as a session's matches, and the query their snippets are highlighted for.
     */
    public static Query turns(String tenant, String q) {
        return turnsOf(tenant, anyWord(q));
    }

    /** Any word or phrase of {@code q} in a turn's input or output: what a snippet highlights. */
    static Query anyWord(String q) {
        List<Query> words = words(q);
        if (words.isEmpty()) {
            return new MatchNoDocsQuery("no words in q");
        }
        BooleanQuery.Builder any = new BooleanQuery.Builder();
        words.forEach(w -> any.add(w, Occur.SHOULD));
        return any.build();
    }

    /**
     * The words and "quoted phrases" of a search, each as a query on a turn's input or output: a word is its
     * analysed terms (lowercased, split at word breaks); the last one also matches as a prefix, unless the text ends
     * with a space.
     */
    static List<Query> words(String q) {
        List<Query> queries = new ArrayList<>();
        Matcher phrases = PHRASES.matcher(q);
        StringBuilder words = new StringBuilder();
        int last = 0;
        while (phrases.find()) {
            words.append(q, last, phrases.start()).append(' ');
            last = phrases.end();
            List<String> terms = analyze(phrases.group(1));
            if (terms.isEmpty()) {
                continue;
            }
            BooleanQuery.Builder either = new BooleanQuery.Builder();
            for (String field : List.of(IndexDocuments.INPUT, IndexDocuments.OUTPUT)) {
                either.add(terms.size() == 1 ? new TermQuery(new Term(field, terms.get(0)))
                        : new PhraseQuery(field, terms.toArray(String[]::new)), Occur.SHOULD);
            }
            queries.add(either.build());
        }
        boolean lastIsPrefix = last < q.length() && !Character.isWhitespace(q.charAt(q.length() - 1));
        List<String> terms = analyze(words.append(q.substring(last)).toString());
        for (int i = 0; i < terms.size(); i++) {
            BooleanQuery.Builder either = new BooleanQuery.Builder();
            for (String field : List.of(IndexDocuments.INPUT, IndexDocuments.OUTPUT)) {
                either.add(new TermQuery(new Term(field, terms.get(i))), Occur.SHOULD);
                if (lastIsPrefix && i == terms.size() - 1) {
                    either.add(new PrefixQuery(new Term(field, terms.get(i))), Occur.SHOULD);
                }
            }
            queries.add(either.build());
        }
        return queries;
    }

    private static List<String> analyze(String text) {
        List<String> terms = new ArrayList<>();
        try (TokenStream stream = IndexDocuments.ANALYZER.tokenStream(IndexDocuments.INPUT, text)) {
            CharTermAttribute term = stream.addAttribute(CharTermAttribute.class);
            stream.reset();
            while (stream.incrementToken()) {
                terms.add(term.toString());
            }
            stream.end();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return terms;
    }

    /** A turn of a session that matched a search: where to find it in the transcript. */
    public record TurnMatch(String traceId, long startMicros) {
    }

    /**
     * The best-matching turns of each of {@code sessionKeys} for {@code q}, at most {@code max} each, best first (equal
     * scores: the earlier document first), keyed by session key; a session without a matching turn is absent. One
     * search for a whole page, restricted to its sessions: its cost follows the page, not the index.
     */
    public Map<String, List<TurnMatch>> matchingTurns(String tenant, List<String> sessionKeys, String q, int max) {
        if (sessionKeys.isEmpty() || max < 1) {
            return Map.of();
        }
        Query query = new BooleanQuery.Builder()
                .add(turns(tenant, q), Occur.MUST)
                .add(new TermInSetQuery(IndexDocuments.SESSION_KEY, sessionKeys.stream().map(BytesRef::new).toList()),
                        Occur.FILTER)
                .build();
        try {
            return searcher.search(query, new CollectorManager<BestTurns, Map<String, List<TurnMatch>>>() {
                @Override
                public BestTurns newCollector() {
                    return new BestTurns(sessionKeys, max);
                }

                @Override
                public Map<String, List<TurnMatch>> reduce(java.util.Collection<BestTurns> collectors) {
                    BestTurns all = new BestTurns(sessionKeys, max);
                    collectors.forEach(all::addAll);
                    return all.matches();
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A turn that competes for a session's best: its score and document, which breaks ties. */
    private record Candidate(float score, int doc, TurnMatch turn) {
        static boolean better(float score, int doc, Candidate than) {
            return score > than.score || score == than.score && doc < than.doc;
        }
    }

    /**
     * The best turns of each session of a page, as TopDocs would rank them (score, then document): a small sorted
     * array per session, found through the session key's doc values; a turn's trace id and start are read only when
     * it enters one.
     */
    private static final class BestTurns implements Collector {
        private final Map<BytesRef, Integer> slots = new HashMap<>();
        private final List<String> sessionKeys;
        private final Candidate[][] best;
        private final int[] sizes;

        BestTurns(List<String> sessionKeys, int max) {
            this.sessionKeys = sessionKeys;
            for (int i = 0; i < sessionKeys.size(); i++) {
                slots.putIfAbsent(new BytesRef(sessionKeys.get(i)), i);
            }
            best = new Candidate[sessionKeys.size()][max];
            sizes = new int[sessionKeys.size()];
        }

        /** Whether a turn of {@code score} and {@code doc} would enter the session's best. */
        private boolean competes(int slot, float score, int doc) {
            int size = sizes[slot];
            if (size < best[slot].length) {
                return true;
            }
            return Candidate.better(score, doc, best[slot][size - 1]);
        }

        private void add(int slot, Candidate c) {
            if (!competes(slot, c.score(), c.doc())) {
                return;
            }
            Candidate[] top = best[slot];
            int size = sizes[slot];
            int at = Math.min(size, top.length - 1);
            while (at > 0 && Candidate.better(c.score(), c.doc(), top[at - 1])) {
                top[at] = top[at - 1];
                at--;
            }
            top[at] = c;
            sizes[slot] = Math.min(size + 1, top.length);
        }

        void addAll(BestTurns other) {
            for (int slot = 0; slot < sizes.length; slot++) {
                for (int i = 0; i < other.sizes[slot]; i++) {
                    add(slot, other.best[slot][i]);
                }
            }
        }

        Map<String, List<TurnMatch>> matches() {
            Map<String, List<TurnMatch>> matches = new HashMap<>();
            for (int slot = 0; slot < sizes.length; slot++) {
                if (sizes[slot] > 0) {
                    matches.put(sessionKeys.get(slot), Arrays.stream(best[slot], 0, sizes[slot])
                            .map(Candidate::turn).toList());
                }
            }
            return matches;
        }

        @Override
        public LeafCollector getLeafCollector(LeafReaderContext context) throws IOException {
            SortedDocValues keys = DocValues.getSorted(context.reader(), IndexDocuments.SESSION_KEY);
            SortedDocValues traceIds = DocValues.getSorted(context.reader(), IndexDocuments.TRACE_ID);
            NumericDocValues starts = DocValues.getNumeric(context.reader(), IndexDocuments.START);
            int docBase = context.docBase;
            return new LeafCollector() {
                private Scorable scorer;
                // A session's turns mostly sit together in a segment: the last key's slot is usually the next's.
                private int lastOrd = -1;
                private int lastSlot = -1;

                @Override
                public void setScorer(Scorable scorer) {
                    this.scorer = scorer;
                }

                @Override
                public void collect(int doc) throws IOException {
                    if (!keys.advanceExact(doc)) {
                        return;
                    }
                    int ord = keys.ordValue();
                    if (ord != lastOrd) {
                        lastOrd = ord;
                        lastSlot = slots.getOrDefault(keys.lookupOrd(ord), -1);
                    }
                    if (lastSlot < 0) {
                        return;
                    }
                    float score = scorer.score();
                    if (competes(lastSlot, score, docBase + doc) && traceIds.advanceExact(doc)
                            && starts.advanceExact(doc)) {
                        add(lastSlot, new Candidate(score, docBase + doc, new TurnMatch(
                                traceIds.lookupOrd(traceIds.ordValue()).utf8ToString(), starts.longValue())));
                    }
                }
            };
        }

        @Override
        public ScoreMode scoreMode() {
            return ScoreMode.COMPLETE;
        }
    }

    /**
     * How many of the selected sessions have each value of a facet field ({@code project}, {@code model},
     * {@code user_id}, {@code status}, {@code tag}, {@code metadata.<key>} or {@code annotation.<name>.label}), at
     * most {@link #MAX_FACET_VALUES} of the most frequent.
     */
    public Map<String, Long> facet(String tenant, SessionQuery query, String field) {
        String dvField = field;
        String prefix = null;
        if (field.startsWith(SessionQuery.METADATA_PREFIX)) {
            dvField = IndexDocuments.METADATA;
            prefix = field.substring(SessionQuery.METADATA_PREFIX.length()) + IndexDocuments.METADATA_SEPARATOR;
        }
        Map<String, Long> counts = new HashMap<>();
        String values = dvField;
        BytesRef keyPrefix = prefix == null ? null : new BytesRef(prefix);
        forEach(sessions(tenant, query), leaf -> {
            SortedSetDocValues dv = DocValues.getSortedSet(leaf.reader(), values);
            long lo = 0;
            long hi = dv.getValueCount();
            if (keyPrefix != null) {
                TermsEnum terms = dv.termsEnum();
                if (terms.seekCeil(keyPrefix) == TermsEnum.SeekStatus.END) {
                    return doc -> {
                    };
                }
                lo = terms.ord();
                BytesRef end = new BytesRef(prefix(keyPrefix));
                hi = terms.seekCeil(end) == TermsEnum.SeekStatus.END ? dv.getValueCount() : terms.ord();
            }
            return new LeafCounter(dv, lo, hi, keyPrefix != null, counts);
        });
        if (counts.size() <= MAX_FACET_VALUES) {
            return counts;
        }
        Map<String, Long> top = new HashMap<>();
        counts.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
                .limit(MAX_FACET_VALUES)
                .forEach(e -> top.put(e.getKey(), e.getValue()));
        return top;
    }

    /** The smallest byte string above every string that starts with {@code prefix}: its last byte plus one. */
    private static byte[] prefix(BytesRef prefix) {
        byte[] end = Arrays.copyOfRange(prefix.bytes, prefix.offset, prefix.offset + prefix.length);
        end[end.length - 1]++;
        return end;
    }

    /**
     * Counts one segment's values with ordinals in [from, to) (a metadata key's values: they sort together), and turns
     * them into text once the segment is done.
     */
    private static final class LeafCounter implements DocConsumer {
        private final SortedSetDocValues dv;
        private final long from;
        private final long to;
        private final boolean metadata;
        private final Map<Long, Long> perOrd = new HashMap<>();
        private final Map<String, Long> counts;

        LeafCounter(SortedSetDocValues dv, long from, long to, boolean metadata, Map<String, Long> counts) {
            this.dv = dv;
            this.from = from;
            this.to = to;
            this.metadata = metadata;
            this.counts = counts;
        }

        @Override
        public void accept(int doc) throws IOException {
            if (!dv.advanceExact(doc)) {
                return;
            }
            for (int i = 0; i < dv.docValueCount(); i++) {
                long ord = dv.nextOrd();
                if (ord >= from && ord < to) {
                    perOrd.merge(ord, 1L, Long::sum);
                }
            }
        }

        @Override
        public void finish() throws IOException {
            for (Map.Entry<Long, Long> entry : perOrd.entrySet()) {
                String value = dv.lookupOrd(entry.getKey()).utf8ToString();
                if (metadata) {
                    value = value.substring(value.indexOf(IndexDocuments.METADATA_SEPARATOR) + 1);
                }
                counts.merge(value, entry.getValue(), Long::sum);
            }
        }
    }

    /** The sums of {@code /api/v1/stats} over the selected sessions. */
    public static final class Totals {
        public long sessions;
        public long activeSessions;
        public long traces;
        public long spans;
        public long tracesWithError;
        public long llmCalls;
        public long promptTokens;
        public long completionTokens;
        public long totalTokens;
        public double promptCost;
        public double completionCost;
        public double totalCost;
    }

    /** One time bucket of {@code /api/v1/stats}: sessions started, and their turns that started, in it. */
    public static final class Bucket {
        public long sessionsStarted;
        public long traces;
        public long tracesWithError;
        public long promptTokens;
        public long completionTokens;
        public long totalTokens;
        public double promptCost;
        public double completionCost;
        public double totalCost;
    }

    /** Totals and buckets (keyed by their start, epoch microseconds) of {@code /api/v1/stats}. */
    public record Stats(Totals totals, TreeMap<Long, Bucket> buckets) {
    }

    /**
     * The totals of the sessions {@code query} selects, and their sessions and turns started in each bucket of
     * {@code intervalMicros} from {@code fromMicros} (inclusive) to {@code toMicros} (exclusive).
     */
    public Stats stats(String tenant, SessionQuery query, long fromMicros, long toMicros, long intervalMicros) {
        Totals totals = new Totals();
        TreeMap<Long, Bucket> buckets = new TreeMap<>();
        Query sessions = sessions(tenant, query);
        forEach(sessions, leaf -> {
            Numbers n = new Numbers(leaf, IndexDocuments.ACTIVE, IndexDocuments.TURNS, IndexDocuments.SPANS,
                    IndexDocuments.ERRORS, IndexDocuments.LLM_CALLS, IndexDocuments.PROMPT_TOKENS,
                    IndexDocuments.COMPLETION_TOKENS, IndexDocuments.TOKENS, IndexDocuments.PROMPT_COST,
                    IndexDocuments.COMPLETION_COST, IndexDocuments.COST, IndexDocuments.START);
            return doc -> {
                n.advance(doc);
                totals.sessions++;
                totals.activeSessions += n.get(0);
                totals.traces += n.get(1);
                totals.spans += n.get(2);
                totals.tracesWithError += n.get(3);
                totals.llmCalls += n.get(4);
                totals.promptTokens += n.get(5);
                totals.completionTokens += n.get(6);
                totals.totalTokens += n.get(7);
                totals.promptCost += n.decimal(8);
                totals.completionCost += n.decimal(9);
                totals.totalCost += n.decimal(10);
                long start = n.get(11);
                if (start >= fromMicros && start < toMicros) {
                    bucket(buckets, fromMicros, intervalMicros, start).sessionsStarted++;
                }
            };
        });
        Query inRange = LongPoint.newRangeQuery(IndexDocuments.START, fromMicros, toMicros - 1);
        BooleanQuery.Builder turns = new BooleanQuery.Builder()
                .add(new TermQuery(new Term(IndexDocuments.KIND, IndexDocuments.TURN)), Occur.FILTER)
                .add(new TermQuery(new Term(IndexDocuments.TENANT, tenant)), Occur.FILTER)
                .add(inRange, Occur.FILTER);
        if (!query.selectsByTimeOnly()) {
            try {
                turns.add(JoinUtil.createJoinQuery(IndexDocuments.SESSION_KEY, false, IndexDocuments.SESSION_KEY,
                        sessions, searcher, org.apache.lucene.search.join.ScoreMode.None), Occur.FILTER);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        forEach(turns.build(), leaf -> {
            Numbers n = new Numbers(leaf, IndexDocuments.START, IndexDocuments.TURN_ERRORS,
                    IndexDocuments.TURN_PROMPT_TOKENS, IndexDocuments.TURN_COMPLETION_TOKENS, IndexDocuments.TURN_TOKENS,
                    IndexDocuments.TURN_PROMPT_COST, IndexDocuments.TURN_COMPLETION_COST, IndexDocuments.TURN_COST);
            return doc -> {
                n.advance(doc);
                Bucket bucket = bucket(buckets, fromMicros, intervalMicros, n.get(0));
                bucket.traces++;
                bucket.tracesWithError += n.get(1);
                bucket.promptTokens += n.get(2);
                bucket.completionTokens += n.get(3);
                bucket.totalTokens += n.get(4);
                bucket.promptCost += n.decimal(5);
                bucket.completionCost += n.decimal(6);
                bucket.totalCost += n.decimal(7);
            };
        });
        return new Stats(totals, buckets);
    }

    private static Bucket bucket(TreeMap<Long, Bucket> buckets, long fromMicros, long intervalMicros, long micros) {
        long start = fromMicros + Math.floorDiv(micros - fromMicros, intervalMicros) * intervalMicros;
        return buckets.computeIfAbsent(start, s -> new Bucket());
    }

    /** The numeric doc values of one segment, read for one document at a time. */
    private static final class Numbers {
        private final NumericDocValues[] values;
        private final long[] current;

        Numbers(LeafReaderContext leaf, String... fields) throws IOException {
            values = new NumericDocValues[fields.length];
            current = new long[fields.length];
            for (int i = 0; i < fields.length; i++) {
                values[i] = DocValues.getNumeric(leaf.reader(), fields[i]);
            }
        }

        void advance(int doc) throws IOException {
            for (int i = 0; i < values.length; i++) {
                current[i] = values[i].advanceExact(doc) ? values[i].longValue() : 0;
            }
        }

        long get(int i) {
            return current[i];
        }

        double decimal(int i) {
            return NumericUtils.sortableLongToDouble(current[i]);
        }
    }

    /** Takes the matching documents of one segment. */
    private interface DocConsumer {
        void accept(int doc) throws IOException;

        default void finish() throws IOException {
        }
    }

    /** Makes a segment's consumer. */
    private interface LeafVisitor {
        DocConsumer leaf(LeafReaderContext leaf) throws IOException;
    }

    /** Runs {@code visitor} over every document {@code query} matches, one segment after another. */
    private void forEach(Query query, LeafVisitor visitor) {
        try {
            searcher.search(query, new CollectorManager<Collector, Void>() {
                @Override
                public Collector newCollector() {
                    return new Collector() {
                        @Override
                        public LeafCollector getLeafCollector(LeafReaderContext context) throws IOException {
                            DocConsumer consumer = visitor.leaf(context);
                            return new LeafCollector() {
                                @Override
                                public void setScorer(Scorable scorer) {
                                }

                                @Override
                                public void collect(int doc) throws IOException {
                                    consumer.accept(doc);
                                }

                                @Override
                                public void finish() throws IOException {
                                    consumer.finish();
                                }
                            };
                        }

                        @Override
                        public ScoreMode scoreMode() {
                            return ScoreMode.COMPLETE_NO_SCORES;
                        }
                    };
                }

                @Override
                public Void reduce(java.util.Collection<Collector> collectors) {
                    return null;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Releases the views of the indexes. */
    @Override
    public void close() {
        snapshots.forEach(SessionIndexStore.Snapshot::close);
    }
}
