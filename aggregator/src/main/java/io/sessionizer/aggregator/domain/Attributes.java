package io.sessionizer.aggregator.domain;

import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import java.util.List;

/** Reads OTLP attribute values the way instrumentations write them: numbers sometimes arrive as strings. */
final class Attributes {
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
}
