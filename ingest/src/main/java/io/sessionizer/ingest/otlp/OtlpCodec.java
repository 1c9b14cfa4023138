package io.sessionizer.ingest.otlp;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Decodes export requests (traces and logs) and encodes answers in either OTLP encoding.
 *
 * <p>OTLP/JSON is the protobuf JSON mapping with one exception: trace and span ids are hex strings, not base64
 * (https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding). Ids are therefore rewritten to base64 in the
 * JSON tree before {@link JsonFormat} reads it. Unknown fields are ignored, as the specification asks of receivers.
 *
 * <p>Decoding is as strict about text as protobuf's is: JSON must be UTF-8 (RFC 8259 section 8.1), so a body with
 * invalid UTF-8 is refused, and so is a string or name whose escapes leave a surrogate unpaired (RFC 8259 section
 * 8.2), since protobuf would write it as {@code ?} and the stored text would differ from what the client sent.
 * Neither Jackson nor {@link JsonFormat} checks either.
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
    /** Chars decoded at a time while checking UTF-8; the text itself is not kept. */
    private static final int UTF8_CHECK_CHUNK = 8192;

    private OtlpCodec() {
    }

    public static ExportTraceServiceRequest decode(byte[] body, OtlpEncoding encoding) {
        return decode(body, encoding, ExportTraceServiceRequest.newBuilder(), OtlpCodec::traceIdsToBase64);
    }

    /** An OTLP logs export; in OTLP/JSON the log records' {@code traceId} and {@code spanId} are hex, as spans' are. */
    public static ExportLogsServiceRequest decodeLogs(byte[] body, OtlpEncoding encoding) {
        return decode(body, encoding, ExportLogsServiceRequest.newBuilder(), OtlpCodec::logIdsToBase64);
    }

    @SuppressWarnings("unchecked")
    private static <T extends Message> T decode(byte[] body, OtlpEncoding encoding, Message.Builder builder,
            Consumer<JsonNode> idsToBase64) {
        return (T) switch (encoding) {
            case PROTOBUF -> decodeProtobuf(body, builder);
            case JSON -> decodeJson(body, builder, idsToBase64);
        };
    }

    public static byte[] encode(Message message, OtlpEncoding encoding) {
        return switch (encoding) {
            case PROTOBUF -> message.toByteArray();
            case JSON -> printJson(message).getBytes(StandardCharsets.UTF_8);
        };
    }

    private static Message decodeProtobuf(byte[] body, Message.Builder builder) {
        try {
            return builder.mergeFrom(body).build();
        } catch (InvalidProtocolBufferException e) {
            throw new OtlpFormatException("Malformed OTLP/protobuf " + name(builder) + ": " + e.getMessage());
        }
    }

    private static Message decodeJson(byte[] body, Message.Builder builder, Consumer<JsonNode> idsToBase64) {
        checkUtf8(body);
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
        checkSurrogates(root);
        idsToBase64.accept(root);
        try {
            JSON_PARSER.merge(root.toString(), builder);
        } catch (InvalidProtocolBufferException e) {
            // JsonFormat's own message names the field and value ("Not an uint64 value: ...").
            throw new OtlpFormatException("Malformed OTLP/JSON " + name(builder) + ": " + e.getMessage());
        } catch (RuntimeException e) {
            throw new OtlpFormatException("Malformed OTLP/JSON " + name(builder) + ": " + rootCauseMessage(e));
        }
        return builder.build();
    }

    private static String name(Message.Builder builder) {
        return builder.getDescriptorForType().getName();
    }

    private static void traceIdsToBase64(JsonNode root) {
        for (ObjectNode span : items(root, "resourceSpans", "resource_spans", "scopeSpans", "scope_spans", "spans")) {
            hexToBase64(span, "traceId", "trace_id");
            hexToBase64(span, "spanId", "span_id");
            hexToBase64(span, "parentSpanId", "parent_span_id");
            for (ObjectNode link : objects(span, "links", "links")) {
                hexToBase64(link, "traceId", "trace_id");
                hexToBase64(link, "spanId", "span_id");
            }
        }
    }

    private static void logIdsToBase64(JsonNode root) {
        for (ObjectNode logRecord : items(root, "resourceLogs", "resource_logs", "scopeLogs", "scope_logs",
                "logRecords", "log_records")) {
            hexToBase64(logRecord, "traceId", "trace_id");
            hexToBase64(logRecord, "spanId", "span_id");
        }
    }

    /** The spans or log records of every scope of every resource; each name in its camel and snake spelling. */
    private static List<ObjectNode> items(JsonNode root, String... names) {
        List<ObjectNode> items = new ArrayList<>();
        String itemsSnake = names.length > 5 ? names[5] : names[4];
        for (ObjectNode resource : objects(root, names[0], names[1])) {
            for (ObjectNode scope : objects(resource, names[2], names[3])) {
                items.addAll(objects(scope, names[4], itemsSnake));
            }
        }
        return items;
    }

    /** Refuses a body that is not well-formed UTF-8, naming the offset of the first bad byte. */
    private static void checkUtf8(byte[] body) {
        // The JDK's decoder refuses what RFC 3629 forbids: stray and truncated sequences, overlong forms, surrogates.
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(body);
        CharBuffer out = CharBuffer.allocate(UTF8_CHECK_CHUNK);
        while (true) {
            CoderResult result = decoder.decode(in, out, true);
            if (result.isUnderflow()) {
                result = decoder.flush(out);
            }
            if (result.isError()) {
                throw new OtlpFormatException("Malformed OTLP/JSON: invalid UTF-8 at byte " + in.position()
                        + " (" + result.length() + " bad byte" + (result.length() == 1 ? "" : "s") + ")");
            }
            if (result.isUnderflow()) {
                return;
            }
            out.clear();
        }
    }

    /**
     * Refuses a string holding an unpaired surrogate, naming where it is as a JSON pointer. Field names need no
     * check: Jackson already refuses an unpaired surrogate there ("Illegal surrogate character"). The pointer is
     * built only for a bad string, on the way back up, so a valid body costs one pass and no allocation per node.
     */
    private static void checkSurrogates(JsonNode root) {
        Unpaired found = unpairedSurrogateAt(root);
        if (found != null) {
            throw new OtlpFormatException(String.format("Malformed OTLP/JSON: unpaired surrogate \\u%04x in the string"
                    + " at %s", (int) found.surrogate(), found.pointer().isEmpty() ? "/" : found.pointer()));
        }
    }

    /** An unpaired surrogate and the pointer to its string, built segment by segment on the way back up. */
    private record Unpaired(char surrogate, StringBuilder pointer) {
        Unpaired under(String segment) {
            pointer.insert(0, segment);
            return this;
        }
    }

    /** The first string with an unpaired surrogate below {@code node}, or null. */
    private static Unpaired unpairedSurrogateAt(JsonNode node) {
        if (node.isTextual()) {
            int surrogate = unpairedSurrogate(node.textValue());
            return surrogate < 0 ? null : new Unpaired((char) surrogate, new StringBuilder());
        }
        if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                Unpaired below = unpairedSurrogateAt(node.get(i));
                if (below != null) {
                    return below.under("/" + i);
                }
            }
        } else if (node.isObject()) {
            for (Map.Entry<String, JsonNode> field : node.properties()) {
                Unpaired below = unpairedSurrogateAt(field.getValue());
                if (below != null) {
                    return below.under(pointerSegment(field.getKey()));
                }
            }
        }
        return null;
    }

    /** The first unpaired surrogate of {@code text}, or -1. */
    private static int unpairedSurrogate(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return c;
            }
        }
        return -1;
    }

    /** One RFC 6901 segment; a long name is cut so that the message stays short. */
    private static String pointerSegment(String name) {
        String safe = name.length() > MAX_QUOTED ? name.substring(0, MAX_QUOTED) + "..." : name;
        return "/" + safe.replace("~", "~0").replace("/", "~1");
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
