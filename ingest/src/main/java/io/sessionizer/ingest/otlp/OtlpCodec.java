package io.sessionizer.ingest.otlp;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

/**
 * Decodes export requests and encodes answers in either OTLP encoding.
 *
 * <p>OTLP/JSON is the protobuf JSON mapping with one exception: trace and span ids are hex strings, not base64
 * (https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding). Ids are therefore rewritten to base64 in the
 * JSON tree before {@link JsonFormat} reads it. Unknown fields are ignored, as the specification asks of receivers.
 */
public final class OtlpCodec {
    // Decimals stay exact when the tree is written back for JsonFormat.
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
    private static final JsonFormat.Parser JSON_PARSER = JsonFormat.parser().ignoringUnknownFields();
    private static final JsonFormat.Printer JSON_PRINTER = JsonFormat.printer().omittingInsignificantWhitespace();
    private static final HexFormat HEX = HexFormat.of();
    private static final Base64.Encoder BASE64 = Base64.getEncoder();
    private static final int MAX_QUOTED = 64;

    private OtlpCodec() {
    }

    public static ExportTraceServiceRequest decode(byte[] body, OtlpEncoding encoding) {
        return switch (encoding) {
            case PROTOBUF -> decodeProtobuf(body);
            case JSON -> decodeJson(body);
        };
    }

    public static byte[] encode(Message message, OtlpEncoding encoding) {
        return switch (encoding) {
            case PROTOBUF -> message.toByteArray();
            case JSON -> printJson(message).getBytes(StandardCharsets.UTF_8);
        };
    }

    private static ExportTraceServiceRequest decodeProtobuf(byte[] body) {
        try {
            return ExportTraceServiceRequest.parseFrom(body);
        } catch (InvalidProtocolBufferException e) {
            throw new OtlpFormatException("Malformed OTLP/protobuf ExportTraceServiceRequest: " + e.getMessage());
        }
    }

    private static ExportTraceServiceRequest decodeJson(byte[] body) {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? ""
                    : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
            throw new OtlpFormatException("Malformed OTLP/JSON" + where + ": " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new OtlpFormatException("Malformed OTLP/JSON: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw new OtlpFormatException("Malformed OTLP/JSON: the body must be a JSON object");
        }
        for (ObjectNode resourceSpans : objects(root, "resourceSpans", "resource_spans")) {
            for (ObjectNode scopeSpans : objects(resourceSpans, "scopeSpans", "scope_spans")) {
                for (ObjectNode span : objects(scopeSpans, "spans", "spans")) {
                    hexToBase64(span, "traceId", "trace_id");
                    hexToBase64(span, "spanId", "span_id");
                    hexToBase64(span, "parentSpanId", "parent_span_id");
                    for (ObjectNode link : objects(span, "links", "links")) {
                        hexToBase64(link, "traceId", "trace_id");
                        hexToBase64(link, "spanId", "span_id");
                    }
                }
            }
        }
        ExportTraceServiceRequest.Builder builder = ExportTraceServiceRequest.newBuilder();
        try {
            JSON_PARSER.merge(root.toString(), builder);
        } catch (InvalidProtocolBufferException e) {
            // JsonFormat's own message names the field and value ("Not an uint64 value: ...").
            throw new OtlpFormatException("Malformed OTLP/JSON ExportTraceServiceRequest: " + e.getMessage());
        } catch (RuntimeException e) {
            throw new OtlpFormatException("Malformed OTLP/JSON ExportTraceServiceRequest: " + rootCauseMessage(e));
        }
        return builder.build();
    }

    /** The objects of the array under either spelling of a field; anything else is left for JsonFormat to reject. */
    private static List<ObjectNode> objects(JsonNode parent, String camel, String snake) {
        JsonNode value = parent.has(camel) ? parent.get(camel) : parent.get(snake);
        List<ObjectNode> objects = new ArrayList<>();
        if (value != null && value.isArray()) {
            for (JsonNode element : value) {
                if (element.isObject()) {
                    objects.add((ObjectNode) element);
                }
            }
        }
        return objects;
    }

    private static void hexToBase64(ObjectNode object, String camel, String snake) {
        for (String field : new String[] {camel, snake}) {
            JsonNode value = object.get(field);
            if (value == null || !value.isTextual()) {
                continue;
            }
            String hex = value.asText();
            byte[] id;
            try {
                id = HEX.parseHex(hex);
            } catch (IllegalArgumentException e) {
                throw new OtlpFormatException("Malformed OTLP/JSON: " + field + " must be a hex string, got \""
                        + (hex.length() > MAX_QUOTED ? hex.substring(0, MAX_QUOTED) + "..." : hex) + "\"");
            }
            object.put(field, BASE64.encodeToString(id));
        }
    }

    private static String printJson(Message message) {
        try {
            return JSON_PRINTER.print(message);
        } catch (InvalidProtocolBufferException e) {
            // Only an Any field with an unregistered type fails; the messages encoded here have none.
            throw new IllegalStateException("Cannot print " + message.getDescriptorForType().getFullName(), e);
        }
    }

    private static String rootCauseMessage(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        return cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
    }
}
