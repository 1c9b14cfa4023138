package io.sessionizer.aggregator.index;

import io.sessionizer.aggregator.store.StoreKeys;
import io.sessionizer.schemas.AnnotationSummary;
import io.sessionizer.schemas.IoValue;
import io.sessionizer.schemas.records.AnnotationContract;
import io.sessionizer.schemas.SessionStatus;
import io.sessionizer.schemas.SessionSummary;
import io.sessionizer.schemas.Turn;
import io.sessionizer.schemas.TurnStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.standard.StandardAnalyzer;
import org.apache.lucene.document.DoubleDocValuesField;
import org.apache.lucene.document.DoublePoint;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.LongPoint;
import org.apache.lucene.document.NumericDocValuesField;
import org.apache.lucene.document.SortedDocValuesField;
import org.apache.lucene.document.SortedSetDocValuesField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.IndexableField;
import org.apache.lucene.util.BytesRef;
import org.apache.lucene.util.NumericUtils;

/**
 * The layout of the session index's documents ({@link SessionIndexStore#FORMAT}): one per session, one per turn.
 *
 * <p>A session document holds what lists filter, sort and facet on: keyword fields (indexed terms, and sorted-set
 * doc values for facets), and numbers as points (ranges) and doc values (sorting, totals). A turn document holds the
 * text of its input and output (indexed, not stored: snippets are cut from the transcript store), its start time
 * and its numbers, for search and for the stats buckets. Both carry the session key, which joins them.
 */
public final class IndexDocuments {
    /** Words: Unicode word breaks, lowercased; no stop words, so that every word a user types can be found. */
    public static final Analyzer ANALYZER = new StandardAnalyzer();

    /** Unique id of a document: the session key, or the session key and the trace id. */
    public static final String ID = "id";
    /** {@code s} for a session document, {@code t} for a turn. */
    public static final String KIND = "kind";
    public static final String SESSION = "s";
    public static final String TURN = "t";
    /** The session key ({tenant}/{session id}), indexed and as sorted doc values, on both kinds of documents. */
    public static final String SESSION_KEY = "key";
    public static final String TENANT = "tenant";
    public static final String PROJECT = "project";
    public static final String USER = "user_id";
    public static final String STATUS = "status";
    public static final String MODEL = "model";
    public static final String TAG = "tag";
    /** Metadata as {@code key + NUL + value} terms and sorted-set values: a facet on a key is a range of values. */
    public static final String METADATA = "metadata";
    public static final char METADATA_SEPARATOR = '\u0000';

    public static final String START = "start_time";
    public static final String END = "end_time";
    public static final String DURATION = "duration";
    public static final String TURNS = "turns";
    public static final String ERRORS = "errors";
    public static final String SPANS = "spans";
    public static final String LLM_CALLS = "llm_calls";
    public static final String ACTIVE = "active";
    public static final String PROMPT_TOKENS = "prompt_tokens";
    public static final String COMPLETION_TOKENS = "completion_tokens";
    public static final String TOKENS = "tokens";
    public static final String PROMPT_COST = "prompt_cost";
    public static final String COMPLETION_COST = "completion_cost";
    public static final String COST = "cost";
    /**
     * Per annotation name, fields of their own: {@code annotation.<name>.label} (keyword and sorted-set values, the
     * labels counted at least once) and {@code annotation.<name>.score} (the mean score, see {@link #scoreBits}).
     */
    public static final String ANNOTATION_PREFIX = "annotation.";
    public static final String LABEL_SUFFIX = ".label";
    public static final String SCORE_SUFFIX = ".score";

    /** Turn fields: text, and start time in microseconds. */
    public static final String INPUT = "input";
    public static final String OUTPUT = "output";
    public static final String TRACE_ID = "trace_id";
    /** A turn's models (keywords), and the numbers stats sum per bucket (doc values only). */
    public static final String TURN_MODEL = "turn.model";
    public static final String TURN_ERRORS = "turn.errors";
    public static final String TURN_PROMPT_TOKENS = "turn.prompt_tokens";
    public static final String TURN_COMPLETION_TOKENS = "turn.completion_tokens";
    public static final String TURN_TOKENS = "turn.tokens";
    public static final String TURN_PROMPT_COST = "turn.prompt_cost";
    public static final String TURN_COMPLETION_COST = "turn.completion_cost";
    public static final String TURN_COST = "turn.cost";

    private IndexDocuments() {
    }

    public static String sessionId(String sessionKey) {
        return sessionKey;
    }

    public static String turnId(String sessionKey, String traceId) {
        return sessionKey + '\u0000' + traceId;
    }

    /** The metadata term of {@code key = value}. */
    public static String metadataTerm(String key, String value) {
        return key + METADATA_SEPARATOR + value;
    }

    /** The keyword field of the labels of annotations named {@code name}. */
    public static String annotationLabel(String name) {
        return ANNOTATION_PREFIX + name + LABEL_SUFFIX;
    }

    /** The numeric field of the mean score of annotations named {@code name}. */
    public static String annotationScore(String name) {
        return ANNOTATION_PREFIX + name + SCORE_SUFFIX;
    }

    /**
     * A mean score as its field holds it, in points and doc values alike: the sortable long of the double (order
     * kept, so ranges and sorts are on longs), -0 as 0. A long field leaves {@link Long#MIN_VALUE} and
     * {@link Long#MAX_VALUE}, which no double maps to, for the sessions without a score, so they sort last either way.
     */
    public static long scoreBits(double score) {
        return NumericUtils.doubleToSortableLong(score + 0.0);
    }

    static List<IndexableField> session(String sessionKey, SessionSummary s) {
        List<IndexableField> doc = new ArrayList<>();
        doc.add(new StringField(ID, sessionId(sessionKey), Field.Store.NO));
        doc.add(new StringField(KIND, SESSION, Field.Store.NO));
        keyword(doc, SESSION_KEY, sessionKey);
        doc.add(new SortedDocValuesField(SESSION_KEY, new BytesRef(sessionKey)));
        doc.add(new StringField(TENANT, s.getTenant(), Field.Store.NO));
        s.getProjects().forEach(p -> facet(doc, PROJECT, p));
        if (s.getUserId() != null) {
            facet(doc, USER, s.getUserId());
        }
        facet(doc, STATUS, s.getStatus().name().toLowerCase(Locale.ROOT));
        s.getModels().forEach(m -> facet(doc, MODEL, m));
        s.getTags().forEach(t -> facet(doc, TAG, t));
        for (Map.Entry<String, String> entry : s.getMetadata().entrySet()) {
            facet(doc, METADATA, metadataTerm(entry.getKey(), entry.getValue()));
        }
        long start = StoreKeys.micros(s.getStartTime());
        long end = StoreKeys.micros(s.getEndTime());
        number(doc, START, start);
        number(doc, END, end);
        number(doc, DURATION, end - start);
        number(doc, TURNS, s.getTraceCount());
        number(doc, ERRORS, s.getTracesWithError());
        number(doc, SPANS, s.getSpanCount());
        number(doc, LLM_CALLS, s.getLlmCallCount());
        number(doc, ACTIVE, s.getStatus() == SessionStatus.ACTIVE ? 1 : 0);
        number(doc, PROMPT_TOKENS, s.getTokenCount().getPrompt());
        number(doc, COMPLETION_TOKENS, s.getTokenCount().getCompletion());
        number(doc, TOKENS, s.getTokenCount().getTotal());
        decimal(doc, PROMPT_COST, s.getCost().getPrompt());
        decimal(doc, COMPLETION_COST, s.getCost().getCompletion());
        decimal(doc, COST, s.getCost().getTotal());
        for (AnnotationSummary a : s.getAnnotations()) {
            annotation(doc, a);
        }
        return doc;
    }

    static List<IndexableField> turn(String sessionKey, Turn t) {
        List<IndexableField> doc = new ArrayList<>();
        doc.add(new StringField(ID, turnId(sessionKey, t.getTraceId()), Field.Store.NO));
        doc.add(new StringField(KIND, TURN, Field.Store.NO));
        keyword(doc, SESSION_KEY, sessionKey);
        doc.add(new SortedDocValuesField(SESSION_KEY, new BytesRef(sessionKey)));
        doc.add(new StringField(TENANT, t.getTenant(), Field.Store.NO));
        doc.add(new SortedDocValuesField(TRACE_ID, new BytesRef(t.getTraceId())));
        doc.add(new TextField(INPUT, text(t.getInput()), Field.Store.NO));
        doc.add(new TextField(OUTPUT, text(t.getOutput()), Field.Store.NO));
        t.getModels().forEach(m -> keyword(doc, TURN_MODEL, m));
        // Turns are filtered by start time only (stats windows); their other numbers are summed from doc values,
        // so they get no points (a BKD tree per field at every segment flush), and names of their own: Lucene
        // wants a field name indexed the same way in every document.
        number(doc, START, StoreKeys.micros(t.getStartTime()));
        value(doc, TURN_ERRORS, t.getStatus() == TurnStatus.ERROR ? 1 : 0);
        value(doc, TURN_PROMPT_TOKENS, t.getTokenCount().getPrompt());
        value(doc, TURN_COMPLETION_TOKENS, t.getTokenCount().getCompletion());
        value(doc, TURN_TOKENS, t.getTokenCount().getTotal());
        doc.add(new DoubleDocValuesField(TURN_PROMPT_COST, t.getCost().getPrompt()));
        doc.add(new DoubleDocValuesField(TURN_COMPLETION_COST, t.getCost().getCompletion()));
        doc.add(new DoubleDocValuesField(TURN_COST, t.getCost().getTotal()));
        return doc;
    }

    /** The labels counted at least once, and the mean score when there is one, of one annotation name. */
    private static void annotation(List<IndexableField> doc, AnnotationSummary a) {
        String name = a.getName();
        // The API refuses other names; one written by other means is left out, as no parameter could name it.
        if (!AnnotationContract.isValidName(name)) {
            return;
        }
        for (Map.Entry<String, Long> label : a.getLabelCounts().entrySet()) {
            if (label.getValue() > 0) {
                facet(doc, annotationLabel(name), label.getKey());
            }
        }
        Double mean = a.getMeanScore();
        if (mean != null && !mean.isNaN()) {
            number(doc, annotationScore(name), scoreBits(mean));
        }
    }

    /** The searchable text of a turn's input or output. */
    public static String text(IoValue value) {
        return value == null || value.getValue() == null ? "" : value.getValue();
    }

    private static void keyword(List<IndexableField> doc, String field, String value) {
        doc.add(new StringField(field, value, Field.Store.NO));
    }

    private static void facet(List<IndexableField> doc, String field, String value) {
        doc.add(new StringField(field, value, Field.Store.NO));
        doc.add(new SortedSetDocValuesField(field, new BytesRef(value)));
    }

    private static void number(List<IndexableField> doc, String field, long value) {
        doc.add(new LongPoint(field, value));
        doc.add(new NumericDocValuesField(field, value));
    }

    /** A number read from doc values only (summed, sorted on), never filtered on. */
    private static void value(List<IndexableField> doc, String field, long value) {
        doc.add(new NumericDocValuesField(field, value));
    }

    private static void decimal(List<IndexableField> doc, String field, double value) {
        doc.add(new DoublePoint(field, value));
        doc.add(new DoubleDocValuesField(field, value));
    }
}
