package io.sessionizer.aggregator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.Map;

/**
 * Checks a JSON answer against a schema of the OpenAPI document: every field the server sends is declared with the
 * right type, every required field is sent, enums hold; {@code allOf} of objects is their union. Just enough of
 * OpenAPI 3.0 for this API's document.
 */
final class OpenApiSchema {
    private final JsonNode document;

    OpenApiSchema(JsonNode document) {
        this.document = document;
    }

    /** The schema of a GET's answer, e.g. ({@code /api/v1/stats}, 200, application/json). */
    JsonNode response(String path, int status, String mediaType) {
        return response("get", path, status, mediaType);
    }

    /** The schema of an operation's answer, e.g. ({@code post}, {@code /api/v1/session/annotations}, 202, JSON). */
    JsonNode response(String method, String path, int status, String mediaType) {
        JsonNode response = resolve(document.at("/paths/" + path.replace("/", "~1") + "/" + method + "/responses/"
                + status));
        assertThat(response.isMissingNode()).as("response %d of %s %s is declared", status, method, path).isFalse();
        JsonNode schema = response.at("/content/" + mediaType.replace("/", "~1") + "/schema");
        assertThat(schema.isMissingNode()).as("%s %d declares %s", path, status, mediaType).isFalse();
        return schema;
    }

    void check(JsonNode value, JsonNode schema, String where) {
        JsonNode s = merged(resolve(schema));
        if (value.isNull()) {
            assertThat(s.path("nullable").asBoolean()).as("%s may be null", where).isTrue();
            return;
        }
        String type = s.path("type").asText();
        switch (type) {
            case "object" -> {
                assertThat(value.isObject()).as("%s is an object", where).isTrue();
                JsonNode properties = s.path("properties");
                for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> field = it.next();
                    if (properties.size() == 0) {
                        continue;
                    }
                    assertThat(properties.has(field.getKey())).as("%s.%s is declared", where, field.getKey()).isTrue();
                    check(field.getValue(), properties.get(field.getKey()), where + "." + field.getKey());
                }
                s.path("required").forEach(r -> assertThat(value.has(r.asText()))
                        .as("%s.%s is sent", where, r.asText()).isTrue());
            }
            case "array" -> {
                assertThat(value.isArray()).as("%s is an array", where).isTrue();
                for (int i = 0; i < value.size(); i++) {
                    check(value.get(i), s.get("items"), where + "[" + i + "]");
                }
            }
            case "string" -> assertThat(value.isTextual()).as("%s is a string", where).isTrue();
            case "integer" -> assertThat(value.isIntegralNumber()).as("%s is an integer", where).isTrue();
            case "number" -> assertThat(value.isNumber()).as("%s is a number", where).isTrue();
            case "boolean" -> assertThat(value.isBoolean()).as("%s is a boolean", where).isTrue();
            default -> throw new AssertionError(where + ": schema without a known type: " + s);
        }
        if (s.has("enum")) {
            assertThat(s.get("enum")).as("%s is one of the enum", where).contains(value);
        }
    }

    /** A schema with {@code allOf} as one object schema: every part's properties and required fields. */
    private JsonNode merged(JsonNode schema) {
        if (!schema.has("allOf")) {
            return schema;
        }
        ObjectNode union = schema.deepCopy();
        union.remove("allOf");
        union.put("type", "object");
        ObjectNode properties = union.putObject("properties");
        ArrayNode required = union.putArray("required");
        for (JsonNode part : schema.get("allOf")) {
            JsonNode p = merged(resolve(part));
            assertThat(p.path("type").asText()).as("allOf part %s is an object", p).isEqualTo("object");
            p.path("properties").fields().forEachRemaining(f -> properties.set(f.getKey(), f.getValue()));
            p.path("required").forEach(required::add);
        }
        return union;
    }

    private JsonNode resolve(JsonNode node) {
        JsonNode current = node;
        while (current.has("$ref")) {
            current = document.at(current.get("$ref").asText().substring(1));
        }
        return current;
    }
}
