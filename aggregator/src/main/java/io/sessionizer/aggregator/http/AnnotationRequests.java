package io.sessionizer.aggregator.http;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.sessionizer.aggregator.domain.TurnLimits;
import io.sessionizer.schemas.Annotation;
import io.sessionizer.schemas.AnnotationAction;
import io.sessionizer.schemas.AnnotatorKind;
import io.sessionizer.schemas.SessionAnnotation;
import io.sessionizer.schemas.records.AnnotationContract;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The requests of the annotations API as {@link SessionAnnotation} records (ANNOTATIONS.md, "REST"): a body checked
 * member by member, each fault an {@link InvalidFieldException} naming the member, and the annotation's id. Plain
 * Java: no HTTP or Kafka types.
 */
public final class AnnotationRequests {
    static final String NAME = "name";
    static final String LABEL = "label";
    static final String SCORE = "score";
    static final String EXPLANATION = "explanation";
    static final String ANNOTATOR_KIND = "annotator_kind";
    static final String IDENTIFIER = "identifier";
    static final String METADATA = "metadata";
    static final List<String> FIELDS = List.of(NAME, LABEL, SCORE, EXPLANATION, ANNOTATOR_KIND, IDENTIFIER, METADATA);
    static final String SESSION_ID = "session_id";
    static final String TRACE_ID = "trace_id";
    static final String ANNOTATION_ID = "annotation_id";

    private static final Pattern TRACE_ID_REGEX = Pattern.compile("[0-9a-fA-F]{32}");
    private static final Pattern UUID_REGEX =
            Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
    /** Strict JSON: a repeated member or anything after the object is a fault, not silently resolved. */
    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private AnnotationRequests() {
    }

    /**
     * The annotation a POST body asks for, on the session ({@code traceId} null) or one of its turns.
     *
     * @param sessionId the session's stored id ({@link TurnLimits#storedSessionId})
     * @param traceId a turn's trace id as {@link #traceId} gives it, or null
     * @throws InvalidFieldException naming the member at fault; with a null field when the body is no JSON object
     */
    public static Annotation annotation(byte[] body, String tenant, String sessionId, String traceId, Instant now) {
        JsonNode json = parse(body);
        for (Iterator<String> names = json.fieldNames(); names.hasNext(); ) {
            String field = names.next();
            if (!FIELDS.contains(field)) {
                throw new InvalidFieldException(field, "is not a member of an annotation; the members are "
                        + String.join(", ", FIELDS));
            }
        }
        String name = text(json, NAME, Integer.MAX_VALUE);
        if (name == null) {
            throw new InvalidFieldException(NAME, "is required");
        }
        if (!AnnotationContract.isValidName(name)) {
            throw new InvalidFieldException(NAME, "must be 1 to 64 letters, digits, '_' or '-'");
        }
        String label = text(json, LABEL, AnnotationContract.MAX_LABEL_CHARS);
        Double score = score(json);
        if (label == null && score == null) {
            throw new InvalidFieldException(LABEL, "is required unless '" + SCORE + "' is given: an annotation has a"
                    + " label, a score or both");
        }
        String identifier = text(json, IDENTIFIER, AnnotationContract.MAX_IDENTIFIER_CHARS);
        return Annotation.newBuilder()
                .setAnnotationId(identifier == null ? UUID.randomUUID().toString()
                        : annotationId(tenant, sessionId, traceId, name, identifier))
                .setTraceId(traceId)
                .setName(name)
                .setLabel(label)
                .setScore(score)
                .setExplanation(text(json, EXPLANATION, AnnotationContract.MAX_EXPLANATION_CHARS))
                .setAnnotatorKind(annotatorKind(json))
                .setIdentifier(identifier)
                .setMetadata(metadata(json))
                // The records keep microseconds, like every time of the API.
                .setCreatedAt(now.truncatedTo(ChronoUnit.MICROS))
                .build();
    }

    /**
     * The id of an annotation with an identifier: the name-based UUID of
     * {@code tenant \0 session_id \0 trace_id-or-empty \0 name \0 identifier}, so that writing the same name and
     * identifier on the same session or turn again replaces the annotation.
     */
    public static String annotationId(String tenant, String sessionId, String traceId, String name,
            String identifier) {
        String source = String.join("\0", tenant, sessionId, traceId == null ? "" : traceId, name, identifier);
        return UUID.nameUUIDFromBytes(source.getBytes(StandardCharsets.UTF_8)).toString();
    }

    /** A PUT of {@code annotation} on the session. */
    public static SessionAnnotation put(String tenant, String sessionId, Annotation annotation) {
        return SessionAnnotation.newBuilder()
                .setTenant(tenant)
                .setSessionId(sessionId)
                .setAction(AnnotationAction.PUT)
                .setAnnotationId(annotation.getAnnotationId())
                .setAnnotation(annotation)
                .build();
    }

    /** A DELETE of the annotation {@code annotationId} of the session (or of one of its turns). */
    public static SessionAnnotation delete(String tenant, String sessionId, String annotationId) {
        return SessionAnnotation.newBuilder()
                .setTenant(tenant)
                .setSessionId(sessionId)
                .setAction(AnnotationAction.DELETE)
                .setAnnotationId(annotationId)
                .setAnnotation(null)
                .build();
    }

    /**
     * The session id as stored and keyed: a longer id cut as the topology cuts it.
     *
     * @throws InvalidFieldException for an empty id
     */
    public static String sessionId(String requested) {
        if (requested == null || requested.isEmpty()) {
            throw new InvalidFieldException(SESSION_ID, "must not be empty");
        }
        return TurnLimits.storedSessionId(requested);
    }

    /**
     * A turn's trace id, lowercased.
     *
     * @throws InvalidFieldException unless 32 hex digits
     */
    public static String traceId(String requested) {
        if (requested == null || !TRACE_ID_REGEX.matcher(requested).matches()) {
            throw new InvalidFieldException(TRACE_ID, "must be 32 hex digits");
        }
        return requested.toLowerCase(Locale.ROOT);
    }

    /**
     * An annotation id as the API gives them, lowercased.
     *
     * @throws InvalidFieldException unless a UUID in its 8-4-4-4-12 hex form
     */
    public static String annotationId(String requested) {
        if (requested == null || !UUID_REGEX.matcher(requested).matches()) {
            throw new InvalidFieldException(ANNOTATION_ID, "must be a UUID, as the POST answered it");
        }
        return requested.toLowerCase(Locale.ROOT);
    }

    private static JsonNode parse(byte[] body) {
        JsonNode json;
        try {
            json = JSON.readTree(body);
        } catch (JacksonException e) {
            throw new InvalidFieldException(null, "The body is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new InvalidFieldException(null, "The body cannot be read: " + e.getMessage());
        }
        if (json == null || !json.isObject()) {
            throw new InvalidFieldException(null, "The body must be a JSON object, e.g. {\"name\": \"thumbs\","
                    + " \"label\": \"up\"}");
        }
        return json;
    }

    /** An optional text member of at most {@code maxChars} characters; null or empty is absent. */
    private static String text(JsonNode json, String field, int maxChars) {
        JsonNode node = json.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isTextual()) {
            throw new InvalidFieldException(field, "must be a string");
        }
        String value = node.textValue();
        if (value.isEmpty()) {
            return null;
        }
        if (value.length() > maxChars) {
            throw new InvalidFieldException(field, "must be at most " + maxChars + " characters");
        }
        return value;
    }

    private static Double score(JsonNode json) {
        JsonNode node = json.get(SCORE);
        if (node == null || node.isNull()) {
            return null;
        }
        // A literal beyond double's range (1e999) parses as infinity, which no mean or sort can take.
        if (!node.isNumber() || !Double.isFinite(node.doubleValue())) {
            throw new InvalidFieldException(SCORE, "must be a finite number");
        }
        return node.doubleValue();
    }

    private static AnnotatorKind annotatorKind(JsonNode json) {
        JsonNode node = json.get(ANNOTATOR_KIND);
        if (node == null || node.isNull()) {
            return AnnotatorKind.HUMAN;
        }
        if (node.isTextual()) {
            for (AnnotatorKind kind : AnnotatorKind.values()) {
                if (kind.name().equals(node.textValue())) {
                    return kind;
                }
            }
        }
        throw new InvalidFieldException(ANNOTATOR_KIND, "must be one of "
                + String.join(", ", Arrays.stream(AnnotatorKind.values()).map(Enum::name).toList()));
    }

    /** The metadata object as compact JSON text. */
    private static String metadata(JsonNode json) {
        JsonNode node = json.get(METADATA);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isObject()) {
            throw new InvalidFieldException(METADATA, "must be a JSON object");
        }
        String text = node.toString();
        if (text.getBytes(StandardCharsets.UTF_8).length > AnnotationContract.MAX_METADATA_BYTES) {
            throw new InvalidFieldException(METADATA, "must be at most " + AnnotationContract.MAX_METADATA_BYTES
                    + " bytes as compact JSON");
        }
        return text;
    }
}
