package io.sessionizer.aggregator.domain;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import java.util.List;

/**
 * The OTel GenAI message events, whether a span carries them as span events or the instrumentation emits them as
 * OTLP log records (the official OpenAI instrumentations do, with the content in the record's body): what each says
 * of the messages going into an LLM call and coming out of it.
 *
 * <ul>
 *   <li>{@code gen_ai.user.message}, {@code gen_ai.assistant.message}, {@code gen_ai.tool.message}: one input
 *       message each, body {@code {content, tool_calls?, id?}} (a tool message's {@code id} is the call it answers);
 *   <li>{@code gen_ai.system.message}: passed over, it is no turn's input;
 *   <li>{@code gen_ai.choice}: one output message, body {@code {index, finish_reason, message: {role?, content?,
 *       tool_calls?}}};
 *   <li>{@code gen_ai.client.inference.operation.details}: the whole call, attributes {@code gen_ai.input.messages}
 *       and {@code gen_ai.output.messages} as structured values or JSON text.
 * </ul>
 *
 * <p>As span events they have no body: its fields are the event's attributes, or the JSON text of
 * {@code gen_ai.event.content} where an instrumentation packs the body into one attribute.
 */
final class GenAiEvents {
    static final String USER = "gen_ai.user.message";
    static final String SYSTEM = "gen_ai.system.message";
    static final String ASSISTANT = "gen_ai.assistant.message";
    static final String TOOL = "gen_ai.tool.message";
    static final String CHOICE = "gen_ai.choice";
    static final String OPERATION_DETAILS = "gen_ai.client.inference.operation.details";
    static final String EVENT_NAME_ATTRIBUTE = "event.name";

    private GenAiEvents() {
    }

    /** What one event tells: messages into the call and out of it; either may be null. */
    record Reading(Messages input, Messages output) {
        static final Reading NONE = new Reading(null, null);
    }

    /** True for the names this class reads. */
    static boolean isGenAi(String name) {
        return name != null && switch (name) {
            case USER, SYSTEM, ASSISTANT, TOOL, CHOICE, OPERATION_DETAILS -> true;
            default -> false;
        };
    }

    /**
     * Reads one event.
     *
     * @param name the event name: a log record's {@code event_name}, else its {@code event.name} attribute; a span
     *     event's name
     * @param body a log record's body; null for a span event
     */
    static Reading read(String name, List<KeyValue> attributes, AnyValue body) {
        if (OPERATION_DETAILS.equals(name)) {
            Messages input = null;
            Messages output = null;
            for (KeyValue kv : attributes) {
                if (kv.getKey().equals("gen_ai.input.messages")) {
                    input = Messages.fromGenAi(Attributes.parseJson(kv.getValue()));
                } else if (kv.getKey().equals("gen_ai.output.messages")) {
                    output = Messages.fromGenAi(Attributes.parseJson(kv.getValue()));
                }
            }
            return new Reading(input, output);
        }
        JsonNode content = body(attributes, body);
        if (content == null) {
            return Reading.NONE;
        }
        Messages messages = new Messages();
        switch (name) {
            case USER -> messages.add(message("user", content));
            case ASSISTANT -> messages.add(message("assistant", content));
            case TOOL -> {
                Messages.Message message = message("tool", content);
                if (message.toolCallId == null) {
                    message.toolCallId = Messages.text(content.get("id"));
                }
                messages.add(message);
            }
            case CHOICE -> {
                JsonNode message = content.has("message") ? content.get("message") : content;
                messages.add(message("assistant", message));
                return new Reading(null, messages);
            }
            default -> {
                return Reading.NONE;
            }
        }
        return new Reading(messages, null);
    }

    private static Messages.Message message(String role, JsonNode node) {
        Messages.Message message = Messages.genAiMessage(node);
        if (message.role == null) {
            message.role = role;
        }
        return message;
    }

    /** The event's body as JSON: the log body, else the span event's attributes (or its packed content). */
    private static JsonNode body(List<KeyValue> attributes, AnyValue body) {
        if (body != null && body.getValueCase() != AnyValue.ValueCase.VALUE_NOT_SET) {
            JsonNode json = Attributes.asJson(body);
            if (json != null && json.isTextual()) {
                // A body that is the content alone.
                return JsonNodeFactory.instance.objectNode().set("content", json);
            }
            return json != null && json.isObject() ? json : null;
        }
        for (KeyValue kv : attributes) {
            if (kv.getKey().equals("gen_ai.event.content")) {
                JsonNode packed = Attributes.parseJson(kv.getValue());
                if (packed != null && packed.isObject()) {
                    return packed;
                }
            }
        }
        return Attributes.object(attributes);
    }
}
