package io.sessionizer.aggregator.domain;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import java.io.IOException;
import java.util.List;

/** Reads OTLP attribute values the way instrumentations write them: numbers sometimes arrive as strings. */
final class Attributes {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private Attributes() {
    }

    static String find(List<KeyValue> attributes, String key) {
        for (KeyValue kv : attributes) {
            if (kv.getKey().equals(key)) {
                return asString(kv.getValue());
            }
        }
        return null;
    }

    /** A scalar value as text; null for arrays, maps, bytes and empty strings. */
    static String asString(AnyValue value) {
        return switch (value.getValueCase()) {
            case STRING_VALUE -> value.getStringValue().isEmpty() ? null : value.getStringValue();
            case INT_VALUE -> Long.toString(value.getIntValue());
            case DOUBLE_VALUE -> Double.toString(value.getDoubleValue());
            case BOOL_VALUE -> Boolean.toString(value.getBoolValue());
            default -> null;
        };
    }

    static Long asLong(AnyValue value) {
        return switch (value.getValueCase()) {
            case INT_VALUE -> value.getIntValue();
            case DOUBLE_VALUE -> (long) value.getDoubleValue();
            case STRING_VALUE -> {
                try {
                    yield Long.parseLong(value.getStringValue().trim());
                } catch (NumberFormatException e) {
                    yield null;
                }
            }
            default -> null;
        };
    }

    static Double asDouble(AnyValue value) {
        return switch (value.getValueCase()) {
            case DOUBLE_VALUE -> value.getDoubleValue();
            case INT_VALUE -> (double) value.getIntValue();
            case STRING_VALUE -> {
                try {
                    yield Double.parseDouble(value.getStringValue().trim());
                } catch (NumberFormatException e) {
                    yield null;
                }
            }
            default -> null;
        };
    }

    /**
     * A value that holds JSON: a string is parsed (as instrumentations serialize structured values into attributes),
     * anything else read as {@link #asJson}; null when the string is not JSON.
     */
    static JsonNode parseJson(AnyValue value) {
        if (value.getValueCase() != AnyValue.ValueCase.STRING_VALUE) {
            return asJson(value);
        }
        try {
            return JSON.readTree(value.getStringValue());
        } catch (IOException e) {
            return null;
        }
    }

    /** A value as JSON: maps and arrays as objects and arrays, scalars as themselves; null for nothing. */
    static JsonNode asJson(AnyValue value) {
        JsonNodeFactory nodes = JsonNodeFactory.instance;
        return switch (value.getValueCase()) {
            case STRING_VALUE -> nodes.textNode(value.getStringValue());
            case INT_VALUE -> nodes.numberNode(value.getIntValue());
            case DOUBLE_VALUE -> nodes.numberNode(value.getDoubleValue());
            case BOOL_VALUE -> nodes.booleanNode(value.getBoolValue());
            case ARRAY_VALUE -> {
                ArrayNode array = nodes.arrayNode();
                for (AnyValue item : value.getArrayValue().getValuesList()) {
                    JsonNode node = asJson(item);
                    array.add(node == null ? nodes.nullNode() : node);
                }
                yield array;
            }
            case KVLIST_VALUE -> object(value.getKvlistValue().getValuesList());
            default -> null;
        };
    }

    /** Key-value pairs as a JSON object. */
    static ObjectNode object(List<KeyValue> values) {
        ObjectNode object = JsonNodeFactory.instance.objectNode();
        for (KeyValue kv : values) {
            JsonNode node = asJson(kv.getValue());
            if (node != null) {
                object.set(kv.getKey(), node);
            }
        }
        return object;
    }
}
