package io.sessionizer.aggregator.domain;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.opentelemetry.proto.common.v1.AnyValue;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Metadata and tags of a turn and a session (DESIGN.md, "What a session holds"), from the span attributes of the
 * conventions that DESIGN.md's session-key rules name:
 * <ul>
 *   <li>OpenInference: {@code metadata}, a JSON object flattened to dotted keys ({@code {"a":{"b":1}}} gives
 *   {@code a.b = 1}), and {@code tag.tags};
 *   <li>Langfuse: {@code langfuse.trace.metadata.<key>} and {@code langfuse.trace.tags};
 *   <li>LangSmith: {@code langsmith.metadata.<key>};
 *   <li>Traceloop: {@code traceloop.association.properties.<key>}.
 * </ul>
 * A key is the part after the prefix, so {@code langsmith.metadata.thread_id} and the OpenInference JSON field
 * {@code thread_id} are the same key. Strings, numbers and booleans are kept as text (a JSON number as written);
 * JSON arrays, nulls and empty values are skipped. Tags are a string array attribute or a JSON array in a string
 * attribute; any other string is one tag.
 *
 * <p>A key keeps the first value seen for it; tags are a set in order of first use. Entries over
 * {@value TurnLimits#MAX_METADATA_KEYS} keys or {@value TurnLimits#MAX_TAGS} tags are dropped, and keys, values and
 * tags longer than {@value TurnLimits#MAX_METADATA_CHARS} characters keep their beginning; each drop or cut counts one
 * in {@link TurnLimits.Cuts#metadata()}, never an error.
 */
final class Metadata {
    private static final String OPENINFERENCE_METADATA = "metadata";
    private static final String OPENINFERENCE_TAGS = "tag.tags";
    private static final String LANGFUSE_TAGS = "langfuse.trace.tags";
    /** Prefixes of one attribute per metadata key. */
    private static final List<String> PREFIXES = List.of(
            "langfuse.trace.metadata.",
            "langsmith.metadata.",
            "traceloop.association.properties.");

    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .build();

    private Metadata() {
    }

    /**
     * Adds what one span attribute holds, if it is one of the conventions, to a trace's metadata and tags.
     *
     * @return true when an entry or tag was added
     */
    static boolean read(String key, AnyValue value, Map<String, String> metadata, List<String> tags,
            TurnLimits.Cuts cuts) {
        switch (key) {
            case OPENINFERENCE_METADATA -> {
                return putJson(Attributes.asString(value), metadata, cuts);
            }
            case OPENINFERENCE_TAGS, LANGFUSE_TAGS -> {
                boolean added = false;
                for (String tag : tags(value)) {
                    added |= addTag(tags, tag, cuts);
                }
                return added;
            }
            default -> {
                for (String prefix : PREFIXES) {
                    if (key.startsWith(prefix) && key.length() > prefix.length()) {
                        return put(metadata, key.substring(prefix.length()), Attributes.asString(value), cuts);
                    }
                }
                return false;
            }
        }
    }

    /**
     * Adds one entry unless its key is there already (the first value stays) or the map is full.
     *
     * @return true when the entry was added
     */
    static boolean put(Map<String, String> metadata, String key, String value, TurnLimits.Cuts cuts) {
        if (key.isEmpty() || value == null || value.isEmpty()) {
            return false;
        }
        String keptKey = cut(key);
        if (metadata.containsKey(keptKey)) {
            return false;
        }
        if (metadata.size() >= TurnLimits.MAX_METADATA_KEYS) {
            cuts.metadata++;
            return false;
        }
        String keptValue = cut(value);
        cuts.metadata += (keptKey.length() < key.length() ? 1 : 0) + (keptValue.length() < value.length() ? 1 : 0);
        metadata.put(keptKey, keptValue);
        return true;
    }

    /**
     * Adds one tag unless it is there already or the list is full.
     *
     * @return true when the tag was added
     */
    static boolean addTag(List<String> tags, String tag, TurnLimits.Cuts cuts) {
        if (tag == null || tag.isEmpty()) {
            return false;
        }
        String kept = cut(tag);
        if (tags.contains(kept)) {
            return false;
        }
        if (tags.size() >= TurnLimits.MAX_TAGS) {
            cuts.metadata++;
            return false;
        }
        if (kept.length() < tag.length()) {
            cuts.metadata++;
        }
        tags.add(kept);
        return true;
    }

    /**
     * Adds the entries of another turn's or delta's metadata, by the same rules.
     *
     * @param skip keys already considered (a turn's previous version), or an empty map
     */
    static void putAll(Map<String, String> metadata, Map<String, String> more, Map<String, String> skip,
            TurnLimits.Cuts cuts) {
        for (Map.Entry<String, String> entry : more.entrySet()) {
            if (!skip.containsKey(entry.getKey())) {
                put(metadata, entry.getKey(), entry.getValue(), cuts);
            }
        }
    }

    /** Adds the tags of another turn or delta, by the same rules; {@code skip} as for {@link #putAll}. */
    static void addTags(List<String> tags, List<String> more, List<String> skip, TurnLimits.Cuts cuts) {
        for (String tag : more) {
            if (!skip.contains(tag)) {
                addTag(tags, tag, cuts);
            }
        }
    }

    private static String cut(String text) {
        return text.length() <= TurnLimits.MAX_METADATA_CHARS ? text
                : TurnLimits.prefixOfChars(text, TurnLimits.MAX_METADATA_CHARS);
    }

    /** The flattened fields of a JSON object; nothing at all when the text is not one or is malformed. */
    private static boolean putJson(String json, Map<String, String> metadata, TurnLimits.Cuts cuts) {
        if (json == null) {
            return false;
        }
        Map<String, String> fields = new LinkedHashMap<>();
        try (JsonParser parser = JSON.createParser(json)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return false;
            }
            flatten(parser, "", fields);
            if (parser.nextToken() != null) {
                return false;
            }
        } catch (IOException e) {
            return false;
        }
        boolean added = false;
        for (Map.Entry<String, String> field : fields.entrySet()) {
            added |= put(metadata, field.getKey(), field.getValue(), cuts);
        }
        return added;
    }

    /** The fields of the object the parser has just entered, under {@code prefix}; nested objects as dotted keys. */
    private static void flatten(JsonParser parser, String prefix, Map<String, String> fields) throws IOException {
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String key = prefix + parser.currentName();
            JsonToken value = parser.nextToken();
            if (value == JsonToken.START_OBJECT) {
                flatten(parser, key + ".", fields);
            } else if (value == JsonToken.START_ARRAY) {
                parser.skipChildren();
            } else if (value != JsonToken.VALUE_NULL) {
                fields.putIfAbsent(key, parser.getText());
            }
        }
    }

    /** The tags of an attribute: an array's scalar values, a JSON array's, or the string itself. */
    private static List<String> tags(AnyValue value) {
        List<String> tags = new ArrayList<>();
        if (value.hasArrayValue()) {
            for (AnyValue item : value.getArrayValue().getValuesList()) {
                String tag = Attributes.asString(item);
                if (tag != null) {
                    tags.add(tag);
                }
            }
            return tags;
        }
        String text = Attributes.asString(value);
        if (text == null) {
            return tags;
        }
        if (!text.stripLeading().startsWith("[")) {
            tags.add(text);
            return tags;
        }
        try (JsonParser parser = JSON.createParser(text)) {
            parser.nextToken();
            JsonToken token;
            while ((token = parser.nextToken()) != JsonToken.END_ARRAY && token != null) {
                if (token == JsonToken.START_OBJECT || token == JsonToken.START_ARRAY) {
                    parser.skipChildren();
                } else if (token != JsonToken.VALUE_NULL) {
                    tags.add(parser.getText());
                }
            }
        } catch (IOException e) {
            return List.of();
        }
        return tags;
    }
}
