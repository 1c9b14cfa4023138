package io.sessionizer.aggregator.domain;

import com.fasterxml.jackson.databind.JsonNode;
import io.opentelemetry.proto.common.v1.AnyValue;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The chat messages of an LLM call, by position: role, text, and the tool calls an assistant message asks for or the
 * tool result a tool message gives. Read from every convention's shape: flattened attributes (OpenInference
 * {@code llm.input_messages.N.message.*}, OpenLLMetry {@code gen_ai.prompt.N.*} / {@code gen_ai.completion.N.*}),
 * GenAI JSON messages with parts, and the GenAI events' bodies.
 */
final class Messages {
    private final TreeMap<Integer, Message> byIndex = new TreeMap<>();

    /** One message; every field may be null. */
    static final class Message {
        String role;
        String text;
        /** A tool message's call id: whose result {@link #toolResult} (or, from a {@code tool} role, the text) is. */
        String toolCallId;
        /** A {@code tool_call_response} part's result, apart from the text: the Responses API sends it as a user's. */
        String toolResult;
        final TreeMap<Integer, Call> toolCalls = new TreeMap<>();

        Call call(int index) {
            return toolCalls.computeIfAbsent(index, i -> new Call());
        }
    }

    /** A tool call an assistant message asks for; the arguments as sent (JSON text, usually). */
    static final class Call {
        String id;
        String name;
        String arguments;
    }

    /**
     * Adds one flattened attribute, {@code <prefix>N.<field>}, where the field is, with or without OpenInference's
     * {@code message.} in front: {@code role}, {@code content}, {@code tool_call_id}, or
     * {@code tool_calls.M.(tool_call.)id}, {@code ...(tool_call.function.)name},
     * {@code ...(tool_call.function.)arguments};
     * other fields (content parts, finish reasons) are passed over.
     */
    static Messages addFlattened(Messages messages, String key, int prefixLength, AnyValue value) {
        int dot = key.indexOf('.', prefixLength);
        if (dot < 0) {
            return messages;
        }
        int index = parseIndex(key, prefixLength, dot);
        if (index < 0) {
            return messages;
        }
        int fieldStart = key.startsWith("message.", dot + 1) ? dot + 9 : dot + 1;
        String field = key.substring(fieldStart);
        Messages result = messages != null ? messages : new Messages();
        Message message = result.byIndex.computeIfAbsent(index, i -> new Message());
        switch (field) {
            case "role" -> message.role = Attributes.asString(value);
            case "content" -> message.text = Attributes.asString(value);
            case "tool_call_id" -> message.toolCallId = Attributes.asString(value);
            default -> {
                if (field.startsWith("tool_calls.")) {
                    addFlattenedCall(message, field, value);
                }
            }
        }
        return result;
    }

    private static void addFlattenedCall(Message message, String field, AnyValue value) {
        int start = "tool_calls.".length();
        int dot = field.indexOf('.', start);
        int index = dot < 0 ? -1 : parseIndex(field, start, dot);
        if (index < 0) {
            return;
        }
        String rest = field.substring(dot + 1);
        if (rest.startsWith("tool_call.")) {
            rest = rest.substring("tool_call.".length());
        }
        if (rest.startsWith("function.")) {
            rest = rest.substring("function.".length());
        }
        switch (rest) {
            case "id" -> message.call(index).id = Attributes.asString(value);
            case "name" -> message.call(index).name = Attributes.asString(value);
            case "arguments" -> message.call(index).arguments = Attributes.asString(value);
            default -> {
            }
        }
    }

    private static int parseIndex(String key, int from, int to) {
        if (from == to || to - from > 6) {
            return -1;
        }
        int index = 0;
        for (int i = from; i < to; i++) {
            char c = key.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            index = index * 10 + (c - '0');
        }
        return index;
    }

    /**
     * Reads OTel GenAI {@code gen_ai.input.messages} / {@code gen_ai.output.messages}: a JSON array of
     * {@code {"role", "parts": [{"type": "text", "content"}, {"type": "tool_call", "id", "name", "arguments"},
     * {"type": "tool_call_response", "id", "response"}]}} (a plain {@code content} string is read too), whether sent
     * as JSON text or as a structured OTLP value ({@link Attributes#parseJson}); null when it is not such an array.
     */
    static Messages fromGenAi(JsonNode array) {
        if (array == null || !array.isArray()) {
            return null;
        }
        Messages messages = new Messages();
        for (int i = 0; i < array.size(); i++) {
            messages.byIndex.put(i, genAiMessage(array.get(i)));
        }
        return messages;
    }

    /** One GenAI message: {@code role} and {@code parts}, or the older event body shape. */
    static Message genAiMessage(JsonNode node) {
        Message message = new Message();
        message.role = text(node.get("role"));
        StringBuilder text = new StringBuilder();
        for (JsonNode part : node.path("parts")) {
            String type = part.path("type").asText("text");
            switch (type) {
                case "text" -> {
                    String content = text(part.get("content"));
                    if (content != null) {
                        text.append(text.isEmpty() ? "" : "\n").append(content);
                    }
                }
                case "tool_call" -> {
                    Call call = message.call(message.toolCalls.size());
                    call.id = callId(part);
                    call.name = text(part.get("name"));
                    call.arguments = jsonText(part.get("arguments"));
                }
                case "tool_call_response" -> {
                    message.toolCallId = callId(part);
                    JsonNode response = part.has("response") ? part.get("response") : part.get("result");
                    message.toolResult = jsonText(response);
                }
                default -> {
                }
            }
        }
        if (!text.isEmpty()) {
            message.text = text.toString();
        } else if (message.text == null) {
            message.text = contentText(node.get("content"));
        }
        if (message.toolCallId == null) {
            message.toolCallId = text(node.get("tool_call_id"));
        }
        // The older event bodies and OpenAI's own shape: tool_calls [{id, function: {name, arguments}}].
        for (JsonNode call : node.path("tool_calls")) {
            Call c = message.call(message.toolCalls.size());
            c.id = text(call.get("id"));
            JsonNode function = call.has("function") ? call.get("function") : call;
            c.name = text(function.get("name"));
            c.arguments = jsonText(function.get("arguments"));
        }
        return message;
    }

    /**
     * A part's tool-call id: {@code call_id} where the OpenAI Responses API puts it (its {@code id} is the output
     * item's, {@code fc_...}, or empty), else {@code id}.
     */
    private static String callId(JsonNode part) {
        String callId = text(part.get("call_id"));
        if (callId != null && !callId.isEmpty()) {
            return callId;
        }
        String id = text(part.get("id"));
        return id == null || id.isEmpty() ? null : id;
    }

    /** A content that is a string, or an array of parts whose text parts are joined. */
    static String contentText(JsonNode content) {
        if (content == null || content.isNull()) {
            return null;
        }
        if (!content.isArray()) {
            return text(content);
        }
        StringBuilder text = new StringBuilder();
        for (JsonNode part : content) {
            String t = part.isTextual() ? part.asText() : part.path("type").asText("text").equals("text")
                    ? text(part.has("content") ? part.get("content") : part.get("text")) : null;
            if (t != null) {
                text.append(text.isEmpty() ? "" : "\n").append(t);
            }
        }
        return text.isEmpty() ? null : text.toString();
    }

    static String text(JsonNode node) {
        return node == null || node.isNull() || node.isContainerNode() ? null : node.asText();
    }

    /** A string as it is, anything else as its JSON: tool arguments come as either. */
    static String jsonText(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        return node.isTextual() ? node.asText() : node.toString();
    }

    void add(Message message) {
        byIndex.put(byIndex.isEmpty() ? 0 : byIndex.lastKey() + 1, message);
    }

    /** The text of the last message of a role, or null. */
    String last(String role) {
        for (Message message : byIndex.descendingMap().values()) {
            if (role.equals(message.role) && message.text != null && !message.text.isEmpty()) {
                return message.text;
            }
        }
        return null;
    }

    /** The tool calls the messages ask for, in order; for output messages, the calls the LLM made. */
    List<Call> toolCalls() {
        List<Call> calls = new ArrayList<>();
        for (Message message : byIndex.values()) {
            calls.addAll(message.toolCalls.values());
        }
        return calls;
    }

    /** Tool results by call id: the tool messages of input messages, the results the LLM was given. */
    Map<String, String> toolResults() {
        Map<String, String> results = new TreeMap<>();
        for (Message message : byIndex.values()) {
            String result = message.toolResult != null ? message.toolResult
                    : message.role == null || message.role.equals("tool") ? message.text : null;
            if (message.toolCallId != null && result != null) {
                results.put(message.toolCallId, result);
            }
        }
        return results;
    }
}
