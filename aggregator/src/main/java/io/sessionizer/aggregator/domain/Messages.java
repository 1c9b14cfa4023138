package io.sessionizer.aggregator.domain;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.opentelemetry.proto.common.v1.AnyValue;
import java.io.IOException;
import java.util.TreeMap;

/** The chat messages of an LLM span, by position: role and text. */
final class Messages {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String ROLE = ".message.role";
    private static final String CONTENT = ".message.content";

    private final TreeMap<Integer, String[]> byIndex = new TreeMap<>();

    /**
     * Adds one flattened OpenInference attribute, {@code <prefix>N.message.role} or {@code <prefix>N.message.content};
     * others (tool calls, content parts) are passed over.
     */
    static Messages addFlattened(Messages messages, String key, int prefixLength, AnyValue value) {
        int dot = key.indexOf('.', prefixLength);
        if (dot < 0) {
            return messages;
        }
        String suffix = key.substring(dot);
        int field = suffix.equals(ROLE) ? 0 : suffix.equals(CONTENT) ? 1 : -1;
        if (field < 0) {
            return messages;
        }
        int index;
        try {
            index = Integer.parseInt(key, prefixLength, dot, 10);
        } catch (NumberFormatException e) {
            return messages;
        }
        Messages result = messages != null ? messages : new Messages();
        result.byIndex.computeIfAbsent(index, i -> new String[2])[field] = Attributes.asString(value);
        return result;
    }

    /**
     * Parses OTel GenAI {@code gen_ai.input.messages} / {@code gen_ai.output.messages}: a JSON array of
     * {@code {"role", "parts": [{"type": "text", "content"}]}}; null when the text is not such an array.
     */
    static Messages parseGenAi(String json) {
        if (json == null) {
            return null;
        }
        JsonNode array;
        try {
            array = JSON.readTree(json);
        } catch (IOException e) {
            return null;
        }
        if (array == null || !array.isArray()) {
            return null;
        }
        Messages messages = new Messages();
        for (int i = 0; i < array.size(); i++) {
            JsonNode message = array.get(i);
            StringBuilder text = new StringBuilder();
            for (JsonNode part : message.path("parts")) {
                if (part.path("type").asText("text").equals("text") && part.path("content").isTextual()) {
                    text.append(text.isEmpty() ? "" : "\n").append(part.get("content").asText());
                }
            }
            if (text.isEmpty() && message.path("content").isTextual()) {
                text.append(message.get("content").asText());
            }
            messages.byIndex.put(i, new String[] {message.path("role").asText(null),
                    text.isEmpty() ? null : text.toString()});
        }
        return messages;
    }

    /** The text of the last message of a role, or null. */
    String last(String role) {
        for (String[] message : byIndex.descendingMap().values()) {
            if (role.equals(message[0]) && message[1] != null && !message[1].isEmpty()) {
                return message[1];
            }
        }
        return null;
    }
}
