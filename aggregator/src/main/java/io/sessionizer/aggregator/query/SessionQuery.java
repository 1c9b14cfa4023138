package io.sessionizer.aggregator.query;

import io.sessionizer.aggregator.index.IndexDocuments;
import io.sessionizer.schemas.records.AnnotationContract;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The filters and sort of a sessions list, facets or stats request (DESIGN.md, "REST API"), parsed and checked: every
 * bad value is an {@link InvalidParameterException} naming the parameter.
 *
 * @param q words and "phrases" searched in turn inputs and outputs; null for none
 * @param projects any of these projects (empty: any)
 * @param userIds any of these users
 * @param statuses any of these statuses ({@code active}, {@code idle})
 * @param models any of these models, used in any turn
 * @param tags all of these tags
 * @param metadata each key with this value
 * @param from sessions whose [start, end] reaches {@code from} or later; null for no bound
 * @param to sessions that started before {@code to}; null for no bound
 * @param hasError true: with a failed turn; false: without; null: either
 * @param annotations per annotation name (each name once, in name order), its filters: all of them must hold
 * @param sortAnnotation with {@link Sort#ANNOTATION_SCORE}, the annotation name whose mean score sorts; else null
 */
public record SessionQuery(String q, List<String> projects, List<String> userIds, List<String> statuses,
        List<String> models, List<String> tags, Map<String, String> metadata, Instant from, Instant to,
        Boolean hasError, Double minCost, Double maxCost, Long minTokens, Long maxTokens, Long minTurns,
        Long maxTurns, List<AnnotationFilter> annotations, Sort sort, String sortAnnotation, boolean ascending) {

    public static final SessionQuery ALL = new SessionQuery(null, List.of(), List.of(), List.of(), List.of(),
            List.of(), Map.of(), null, null, null, null, null, null, null, null, null, List.of(), Sort.END_TIME, null,
            false);
    static final String METADATA_PREFIX = "metadata.";
    static final String ANNOTATION_PREFIX = IndexDocuments.ANNOTATION_PREFIX;
    private static final String LABEL = "label";
    private static final String MIN_SCORE = "min_score";
    private static final String MAX_SCORE = "max_score";
    private static final String SCORE = "score";
    private static final Set<String> FILTERS = Set.of("q", "project", "user_id", "status", "model", "tag", "from",
            "to", "has_error", "min_cost", "max_cost", "min_tokens", "max_tokens", "min_turns", "max_turns");

    /**
     * The filters of one annotation name: sessions with an annotation of the name and one of {@code labels} (any
     * label when empty), whose mean score of the name is in [{@code minScore}, {@code maxScore}] (a bound is null
     * when absent; with either, a session without a score of the name is not selected).
     */
    public record AnnotationFilter(String name, List<String> labels, Double minScore, Double maxScore) {
    }

    /**
     * What a list is sorted by; each sorts newest, largest or most relevant first unless {@code order=asc}. Sessions
     * without a score of the annotation name come after all others in either order. (The ordinals are in cursors:
     * new sorts go last.)
     */
    public enum Sort {
        END_TIME("end_time"),
        START_TIME("start_time"),
        COST("cost"),
        TOKENS("tokens"),
        TURNS("turns"),
        DURATION("duration"),
        ERRORS("errors"),
        RELEVANCE("relevance"),
        ANNOTATION_SCORE("annotation.<name>.score");

        private final String parameter;

        Sort(String parameter) {
            this.parameter = parameter;
        }

        public String parameter() {
            return parameter;
        }

        static Sort of(String value) {
            if (value.startsWith(ANNOTATION_PREFIX) && value.endsWith("." + SCORE)) {
                return ANNOTATION_SCORE;
            }
            for (Sort sort : values()) {
                if (sort.parameter.equals(value)) {
                    return sort;
                }
            }
            List<String> names = new ArrayList<>();
            for (Sort sort : values()) {
                names.add(sort.parameter);
            }
            throw new InvalidParameterException("sort", "must be one of " + String.join(", ", names) + ", not '"
                    + value + "'");
        }
    }

    /**
     * Parses a request's query parameters.
     *
     * @param params every parameter with its values, in order
     * @param others the parameters the endpoint itself reads (limit, cursor, field...), which are not filters
     */
    public static SessionQuery parse(Map<String, List<String>> params, Set<String> others) {
        Map<String, String> metadata = new TreeMap<>();
        Map<String, AnnotationFilter> annotations = new TreeMap<>();
        for (Map.Entry<String, List<String>> param : params.entrySet()) {
            String name = param.getKey();
            if (name.startsWith(METADATA_PREFIX) && name.length() > METADATA_PREFIX.length()) {
                metadata.put(name.substring(METADATA_PREFIX.length()), single(params, name));
            } else if (name.startsWith(ANNOTATION_PREFIX)) {
                annotation(params, name, annotations);
            } else if (!FILTERS.contains(name) && !others.contains(name) && !name.equals("sort")
                    && !name.equals("order")) {
                throw new InvalidParameterException(name, "is not a parameter of this endpoint");
            }
        }
        String q = single(params, "q");
        if (q != null && q.isBlank()) {
            q = null;
        }
        List<String> statuses = values(params, "status");
        for (String status : statuses) {
            if (!status.equals("active") && !status.equals("idle")) {
                throw new InvalidParameterException("status", "must be active or idle, not '" + status + "'");
            }
        }
        Instant from = time(params, "from");
        Instant to = time(params, "to");
        if (from != null && to != null && !from.isBefore(to)) {
            throw new InvalidParameterException("to", "must be after from");
        }
        String sortParam = single(params, "sort");
        Sort sort = sortParam == null ? (q != null ? Sort.RELEVANCE : Sort.END_TIME) : Sort.of(sortParam);
        String sortAnnotation = sort == Sort.ANNOTATION_SCORE ? annotationName("sort", sortParam, SCORE) : null;
        if (sort == Sort.RELEVANCE && q == null) {
            throw new InvalidParameterException("sort", "relevance needs a search: pass q");
        }
        String order = single(params, "order");
        if (order != null && !order.equals("asc") && !order.equals("desc")) {
            throw new InvalidParameterException("order", "must be asc or desc, not '" + order + "'");
        }
        Double minCost = decimal(params, "min_cost");
        Double maxCost = decimal(params, "max_cost");
        Long minTokens = number(params, "min_tokens");
        Long maxTokens = number(params, "max_tokens");
        Long minTurns = number(params, "min_turns");
        Long maxTurns = number(params, "max_turns");
        return new SessionQuery(q, values(params, "project"), values(params, "user_id"), statuses,
                values(params, "model"), values(params, "tag"), Map.copyOf(metadata), from, to,
                bool(params, "has_error"), minCost, maxCost, minTokens, maxTokens, minTurns, maxTurns,
                List.copyOf(annotations.values()), sort, sortAnnotation, "asc".equals(order));
    }

    /**
     * The annotation name of a facet field {@code annotation.<name>.label}, or null when {@code field} is not of that
     * form.
     *
     * @throws InvalidParameterException naming {@code field} when it is, with a name no annotation may have
     */
    public static String annotationLabelFacet(String field) {
        if (field == null || !field.startsWith(ANNOTATION_PREFIX) || !field.endsWith("." + LABEL)) {
            return null;
        }
        return annotationName("field", field, LABEL);
    }

    /** Adds the filter of one {@code annotation.<name>.<label|min_score|max_score>} parameter to its name's. */
    private static void annotation(Map<String, List<String>> params, String parameter,
            Map<String, AnnotationFilter> annotations) {
        int dot = parameter.lastIndexOf('.');
        String what = parameter.substring(dot + 1);
        if (dot < ANNOTATION_PREFIX.length() || !List.of(LABEL, MIN_SCORE, MAX_SCORE).contains(what)) {
            throw new InvalidParameterException(parameter, "is not a parameter of this endpoint: an annotation filter"
                    + " is annotation.<name>.label, annotation.<name>.min_score or annotation.<name>.max_score");
        }
        String name = annotationName(parameter, parameter, what);
        AnnotationFilter f = annotations.getOrDefault(name, new AnnotationFilter(name, List.of(), null, null));
        annotations.put(name, switch (what) {
            case LABEL -> new AnnotationFilter(name, values(params, parameter), f.minScore(), f.maxScore());
            case MIN_SCORE -> new AnnotationFilter(name, f.labels(), score(params, parameter), f.maxScore());
            default -> new AnnotationFilter(name, f.labels(), f.minScore(), score(params, parameter));
        });
    }

    /** The name in {@code annotation.<name>.<suffix>}, the value of {@code parameter}; a bad name is refused. */
    private static String annotationName(String parameter, String value, String suffix) {
        String name = value.substring(ANNOTATION_PREFIX.length(), Math.max(ANNOTATION_PREFIX.length(),
                value.length() - suffix.length() - 1));
        if (!AnnotationContract.isValidName(name)) {
            throw new InvalidParameterException(parameter, "the annotation name in '" + value + "' must be 1 to 64"
                    + " letters, digits, '_' or '-'");
        }
        return name;
    }

    /** A score bound: any finite number, -0 taken as 0. */
    private static Double score(Map<String, List<String>> params, String name) {
        String value = single(params, name);
        try {
            double d = Double.parseDouble(value);
            if (!Double.isFinite(d)) {
                throw new NumberFormatException();
            }
            return d + 0.0;
        } catch (NumberFormatException e) {
            throw new InvalidParameterException(name, "must be a finite number, not '" + value + "'");
        }
    }

    /** True when only the tenant and the time range select: every turn in the range belongs to a selected session. */
    boolean selectsByTimeOnly() {
        return q == null && projects.isEmpty() && userIds.isEmpty() && statuses.isEmpty() && models.isEmpty()
                && tags.isEmpty() && metadata.isEmpty() && hasError == null && minCost == null && maxCost == null
                && minTokens == null && maxTokens == null && minTurns == null && maxTurns == null
                && annotations.isEmpty();
    }

    /** The single value of a parameter, or null; a repeated one is refused. */
    public static String single(Map<String, List<String>> params, String name) {
        List<String> values = params.get(name);
        if (values == null || values.isEmpty()) {
            return null;
        }
        if (values.size() > 1) {
            throw new InvalidParameterException(name, "may be given once");
        }
        return values.get(0);
    }

    private static List<String> values(Map<String, List<String>> params, String name) {
        List<String> values = new ArrayList<>();
        for (String value : params.getOrDefault(name, List.of())) {
            if (value.isEmpty()) {
                throw new InvalidParameterException(name, "must not be empty");
            }
            if (!values.contains(value)) {
                values.add(value);
            }
        }
        return List.copyOf(values);
    }

    private static Instant time(Map<String, List<String>> params, String name) {
        String value = single(params, name);
        if (value == null) {
            return null;
        }
        try {
            return Instant.parse(value);
        } catch (DateTimeParseException e) {
            throw new InvalidParameterException(name, "must be an ISO-8601 UTC time such as 2026-12-01T10:00:00Z, not '"
                    + value + "'");
        }
    }

    private static Boolean bool(Map<String, List<String>> params, String name) {
        String value = single(params, name);
        if (value == null) {
            return null;
        }
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new InvalidParameterException(name, "must be true or false, not '" + value + "'");
        };
    }

    private static Long number(Map<String, List<String>> params, String name) {
        String value = single(params, name);
        if (value == null) {
            return null;
        }
        try {
            long n = Long.parseLong(value);
            if (n < 0) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new InvalidParameterException(name, "must be a whole number of at least 0, not '" + value + "'");
        }
    }

    private static Double decimal(Map<String, List<String>> params, String name) {
        String value = single(params, name);
        if (value == null) {
            return null;
        }
        try {
            double d = Double.parseDouble(value);
            if (!Double.isFinite(d) || d < 0) {
                throw new NumberFormatException();
            }
            return d;
        } catch (NumberFormatException e) {
            throw new InvalidParameterException(name, "must be a number of at least 0, not '" + value + "'");
        }
    }
}
