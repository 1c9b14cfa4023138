package io.sessionizer.aggregator.domain;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.opentelemetry.proto.common.v1.KeyValue;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Finds a span's session key by trying attribute names in a configured order (DESIGN.md, "Session key").
 *
 * <p>An entry is either an attribute name ({@code session.id}) or {@code attribute#field} for a top-level string
 * field of a JSON-valued attribute ({@code metadata#thread_id}: OpenInference serialises LangChain metadata as JSON).
 */
public final class SessionKeyResolver {
    /** The order of DESIGN.md: OpenInference, OTel GenAI, Langfuse, LangChain metadata, LangSmith, Traceloop. */
    public static final List<String> DEFAULT_KEYS = List.of(
            "session.id",
            "gen_ai.conversation.id",
            "langfuse.session.id",
            "metadata#session_id",
            "metadata#conversation_id",
            "metadata#thread_id",
            "langsmith.metadata.session_id",
            "langsmith.metadata.thread_id",
            "langsmith.metadata.conversation_id",
            "traceloop.association.properties.session_id");

    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .build();

    private final Lookup[] lookups;
    /** Attribute name → index of its first lookup, for one pass over a span's attributes. */
    private final Map<String, Integer> firstIndex = new HashMap<>();

    public SessionKeyResolver(List<String> keys) {
        if (keys.isEmpty()) {
            throw new IllegalArgumentException("At least one session key attribute is needed");
        }
        lookups = new Lookup[keys.size()];
        for (int i = 0; i < keys.size(); i++) {
            String entry = keys.get(i).trim();
            int hash = entry.indexOf('#');
            if (hash == 0 || hash == entry.length() - 1) {
                throw new IllegalArgumentException("Malformed session key entry '" + entry
                        + "': expected 'attribute' or 'attribute#json_field'");
            }
            lookups[i] = hash < 0 ? new Lookup(entry, null) : new Lookup(entry.substring(0, hash),
                    entry.substring(hash + 1));
            firstIndex.putIfAbsent(lookups[i].attribute, i);
        }
    }

    /** The session key of a span, or null when it carries none. */
    public String resolve(List<KeyValue> attributes) {
        String[] raw = null;
        for (KeyValue kv : attributes) {
            Integer index = firstIndex.get(kv.getKey());
            if (index != null) {
                if (raw == null) {
                    raw = new String[lookups.length];
                }
                raw[index] = Attributes.asString(kv.getValue());
            }
        }
        if (raw == null) {
            return null;
        }
        Map<String, Map<String, String>> parsedJson = null;
        for (int i = 0; i < lookups.length; i++) {
            Lookup lookup = lookups[i];
            String value = raw[firstIndex.get(lookup.attribute)];
            if (value == null) {
                continue;
            }
            if (lookup.jsonField == null) {
                return value;
            }
            if (parsedJson == null) {
                parsedJson = new HashMap<>();
            }
            String fieldValue = parsedJson.computeIfAbsent(lookup.attribute, a -> topLevelScalars(value))
                    .get(lookup.jsonField);
            if (fieldValue != null) {
                return fieldValue;
            }
        }
        return null;
    }

    /** Top-level scalar fields of a JSON object; empty when the text is not one (a malformed value is no key). */
    private static Map<String, String> topLevelScalars(String json) {
        Map<String, String> fields = new HashMap<>();
        try (JsonParser parser = JSON.createParser(json)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return fields;
            }
            JsonToken token;
            while ((token = parser.nextToken()) == JsonToken.FIELD_NAME) {
                String name = parser.currentName();
                JsonToken valueToken = parser.nextToken();
                if (valueToken.isScalarValue() && valueToken != JsonToken.VALUE_NULL) {
                    String text = parser.getText();
                    if (!text.isEmpty()) {
                        fields.putIfAbsent(name, text);
                    }
                } else {
                    parser.skipChildren();
                }
            }
        } catch (IOException e) {
            return fields;
        }
        return fields;
    }

    private record Lookup(String attribute, String jsonField) {
    }
}
