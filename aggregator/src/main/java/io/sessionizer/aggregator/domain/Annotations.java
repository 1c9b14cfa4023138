package io.sessionizer.aggregator.domain;

import io.sessionizer.schemas.Annotation;
import io.sessionizer.schemas.AnnotationSummary;
import io.sessionizer.schemas.records.AnnotationContract;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a session and its turns show of their annotations, computed from all the annotations the session keeps: per
 * name, the count, the mean score, the counts per label and the latest; per turn, its own. Annotations are few per
 * session (people and evaluators write them, not spans), so each change computes these again from the whole set
 * rather than keeping running sums that a replace or a delete would have to undo.
 */
public final class Annotations {
    /** Annotations a session keeps at most, its turns' included; more are dropped and counted. */
    public static final int MAX_PER_SESSION = 1000;
    /** Names a summary lists at most; the annotations of other names are counted in annotation_names_cut. */
    public static final int MAX_NAMES = 16;
    /** Labels counted per name at most; other labels' annotations are counted in labels_cut. */
    public static final int MAX_LABELS = 8;
    /** Annotations a turn lists at most, the latest; the annotations API lists them all. */
    public static final int MAX_PER_TURN = 8;
    /** Characters of an annotation id; the API's are UUIDs, and a record with a longer one is dead-lettered. */
    public static final int MAX_ID_CHARS = 128;
    /** The most an annotation within these bounds serializes to: three UTF-8 bytes per char, and framing. */
    public static final int MAX_BYTES = 3 * (AnnotationContract.MAX_NAME_CHARS + AnnotationContract.MAX_LABEL_CHARS + AnnotationContract.MAX_IDENTIFIER_CHARS + MAX_ID_CHARS
            + AnnotationContract.MAX_EXPLANATION_CHARS) + AnnotationContract.MAX_METADATA_BYTES + 256;
    /** The most a summary's per-name view serializes to: the latest annotation and the label counts. */
    public static final int MAX_SUMMARY_BYTES = MAX_NAMES * (MAX_BYTES + MAX_LABELS * (3 * AnnotationContract.MAX_LABEL_CHARS + 16));

    /** Oldest first; the id breaks ties, so that every instance and every rebuild orders alike. */
    public static final Comparator<Annotation> OLDEST_FIRST = Comparator.comparing(Annotation::getCreatedAt)
            .thenComparing(Annotation::getAnnotationId);

    private Annotations() {
    }

    /**
     * The annotation within the bounds, for a record the API did not check (written to the topic by other means):
     * texts cut to the {@link AnnotationContract}'s bounds, metadata over its bound dropped (a cut JSON text would not
     * parse). Changed in place.
     *
     * @return the number of fields cut or dropped
     */
    public static int bound(Annotation annotation) {
        int cut = 0;
        String name = annotation.getName();
        annotation.setName(cut(name, AnnotationContract.MAX_NAME_CHARS));
        cut += name.equals(annotation.getName()) ? 0 : 1;
        String label = annotation.getLabel();
        annotation.setLabel(cut(label, AnnotationContract.MAX_LABEL_CHARS));
        cut += label == null || label.equals(annotation.getLabel()) ? 0 : 1;
        String identifier = annotation.getIdentifier();
        annotation.setIdentifier(cut(identifier, AnnotationContract.MAX_IDENTIFIER_CHARS));
        cut += identifier == null || identifier.equals(annotation.getIdentifier()) ? 0 : 1;
        String explanation = annotation.getExplanation();
        annotation.setExplanation(cut(explanation, AnnotationContract.MAX_EXPLANATION_CHARS));
        cut += explanation == null || explanation.equals(annotation.getExplanation()) ? 0 : 1;
        if (annotation.getMetadata() != null
                && annotation.getMetadata().getBytes(StandardCharsets.UTF_8).length > AnnotationContract.MAX_METADATA_BYTES) {
            annotation.setMetadata(null);
            cut++;
        }
        return cut;
    }

    private static String cut(String text, int maxChars) {
        return text == null || text.length() <= maxChars ? text : TurnLimits.prefixOfChars(text, maxChars);
    }

    /** A session's annotations per name, and how many annotations had a name beyond {@link #MAX_NAMES}. */
    public record Summary(List<AnnotationSummary> byName, long namesCut) {
    }

    /** The per-name view of a session's annotations (its own and its turns'), names in order of first annotation. */
    public static Summary summarize(Collection<Annotation> all) {
        List<Annotation> ordered = new ArrayList<>(all);
        ordered.sort(OLDEST_FIRST);
        Map<String, Tally> tallies = new LinkedHashMap<>();
        long namesCut = 0;
        for (Annotation annotation : ordered) {
            Tally tally = tallies.get(annotation.getName());
            if (tally == null) {
                if (tallies.size() == MAX_NAMES) {
                    namesCut++;
                    continue;
                }
                tally = new Tally();
                tallies.put(annotation.getName(), tally);
            }
            tally.add(annotation);
        }
        List<AnnotationSummary> byName = new ArrayList<>(tallies.size());
        tallies.forEach((name, tally) -> byName.add(tally.summary(name)));
        return new Summary(byName, namesCut);
    }

    /** The annotations of one turn, oldest first, the latest {@link #MAX_PER_TURN} of them. */
    public static List<Annotation> ofTurn(Collection<Annotation> all, String traceId) {
        List<Annotation> own = new ArrayList<>();
        for (Annotation annotation : all) {
            if (traceId.equals(annotation.getTraceId())) {
                own.add(annotation);
            }
        }
        own.sort(OLDEST_FIRST);
        return new ArrayList<>(own.subList(Math.max(0, own.size() - MAX_PER_TURN), own.size()));
    }

    /** Running figures of one name, over annotations in age order. */
    private static final class Tally {
        private long count;
        private long scoreCount;
        private double scoreSum;
        private final Map<String, Long> labels = new HashMap<>();
        private long labelsCut;
        private Annotation latest;

        void add(Annotation annotation) {
            count++;
            if (annotation.getScore() != null) {
                scoreCount++;
                scoreSum += annotation.getScore();
            }
            String label = annotation.getLabel();
            if (label != null) {
                if (labels.containsKey(label) || labels.size() < MAX_LABELS) {
                    labels.merge(label, 1L, Long::sum);
                } else {
                    labelsCut++;
                }
            }
            latest = annotation;
        }

        AnnotationSummary summary(String name) {
            return AnnotationSummary.newBuilder()
                    .setName(name)
                    .setCount(count)
                    .setScoreCount(scoreCount)
                    .setMeanScore(scoreCount == 0 ? null : scoreSum / scoreCount)
                    .setLabelCounts(labels)
                    .setLabelsCut(labelsCut)
                    .setLatest(Annotation.newBuilder(latest).build())
                    .build();
        }
    }
}
