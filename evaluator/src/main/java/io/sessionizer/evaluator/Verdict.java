package io.sessionizer.evaluator;

import io.sessionizer.schemas.records.AnnotationContract;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * One judgement, written as one annotation: on the session ({@code traceId} null) or on one of its turns. Checked here
 * against the API's limits (issue 15), so that a judge's mistake fails in the judge, not as a 400 at write time;
 * an explanation longer than the API takes keeps its beginning.
 *
 * @param traceId the turn judged, 32 lower-case hex digits; null for the session
 * @param name {@code [A-Za-z0-9_-]{1,64}}, e.g. {@code has_error_turn}
 * @param label at most 128 characters, e.g. {@code pass} or {@code fail}; null when only a score is given
 * @param score a finite number; null when only a label is given
 * @param explanation why, for a person reading the transcript; null for none
 * @param metadata a small JSON object (numbers, strings, booleans, lists, maps), at most 1,000 bytes as compact JSON
 */
public record Verdict(String traceId, String name, String label, Double score, String explanation,
        Map<String, Object> metadata) {
    /** What the API takes (AnnotationContract). */
    public static final int MAX_LABEL_CHARS = AnnotationContract.MAX_LABEL_CHARS;
    public static final int MAX_EXPLANATION_CHARS = AnnotationContract.MAX_EXPLANATION_CHARS;
    public static final String PASS = "pass";
    public static final String FAIL = "fail";
    private static final Pattern TRACE_ID = Pattern.compile("[0-9a-f]{32}");

    public Verdict {
        if (!AnnotationContract.isValidName(name)) {
            throw new IllegalArgumentException("A verdict's name must match " + AnnotationContract.NAME_PATTERN
                    + ", not '" + name + "'");
        }
        if (traceId != null) {
            traceId = traceId.toLowerCase(Locale.ROOT);
            if (!TRACE_ID.matcher(traceId).matches()) {
                throw new IllegalArgumentException("Verdict " + name + ": trace id '" + traceId
                        + "' is not 32 hex digits");
            }
        }
        if (label == null && score == null) {
            throw new IllegalArgumentException("Verdict " + name + " needs a label or a score");
        }
        if (label != null && label.length() > MAX_LABEL_CHARS) {
            throw new IllegalArgumentException("Verdict " + name + ": label longer than " + MAX_LABEL_CHARS
                    + " characters");
        }
        if (score != null && !Double.isFinite(score)) {
            throw new IllegalArgumentException("Verdict " + name + ": score " + score + " is not a finite number");
        }
        if (explanation != null && explanation.length() > MAX_EXPLANATION_CHARS) {
            explanation = explanation.substring(0, MAX_EXPLANATION_CHARS - 1) + "…";
        }
        metadata = metadata == null ? null : Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
    }

    /** A verdict on the whole session. */
    public static Verdict session(String name, String label, Double score, String explanation,
            Map<String, Object> metadata) {
        return new Verdict(null, name, label, score, explanation, metadata);
    }

    /** A verdict on the turn (trace) {@code traceId}. */
    public static Verdict turn(String traceId, String name, String label, Double score, String explanation,
            Map<String, Object> metadata) {
        return new Verdict(traceId, name, label, score, explanation, metadata);
    }

    /** {@link #PASS} with score 1 when {@code passed}, else {@link #FAIL} with score 0. */
    public static Verdict passOrFail(String traceId, String name, boolean passed, String explanation,
            Map<String, Object> metadata) {
        return new Verdict(traceId, name, passed ? PASS : FAIL, passed ? 1.0 : 0.0, explanation, metadata);
    }

    /** True for a verdict on the session, false for one on a turn. */
    public boolean onSession() {
        return traceId == null;
    }
}
