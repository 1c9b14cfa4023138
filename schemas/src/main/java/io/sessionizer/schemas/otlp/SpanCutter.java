package io.sessionizer.schemas.otlp;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.IntPredicate;
import java.util.function.ToIntFunction;

/**
 * Cuts a span, resource or scope that alone is larger than a record may be. First every text longer than a common
 * cap (the largest cap that fits) is cut to its beginning, on a UTF-8 character boundary: string and bytes attribute
 * values of the span, its events and links, and the span's name, status message and trace state. Only when cutting
 * every text to {@value #MIN_CAP} bytes is not enough are whole attributes, events and links dropped, counted in
 * OTLP's own {@code dropped_*_count} fields; attributes the aggregator reads ({@link #PREFERRED_PREFIXES}) are kept
 * first, then the others in order. Values nested in arrays or key-value lists are not cut, only dropped.
 *
 * <p>Whatever was cut carries {@value #TRUNCATED} = true (on the span, resource or scope) and, next to each cut
 * value, {@value #ORIGINAL_SIZE_PREFIX}{@code <key>} = its original size in bytes; a cut field of the span is named
 * {@code span.name}, {@code span.status.message} or {@code span.trace_state}.
 */
final class SpanCutter {
    static final String TRUNCATED = "sessionizer.truncated";
    static final String ORIGINAL_SIZE_PREFIX = "sessionizer.original_size.";
    /** No text is cut shorter than this; past it, dropping is the better loss. */
    static final int MIN_CAP = 256;
    /** Keys kept first when attributes must be dropped: the ones the aggregator reads, and the service name. */
    static final List<String> PREFERRED_PREFIXES = List.of("session.", "sessionizer.", "gen_ai.", "llm.", "input.",
            "output.", "openinference.", "user.", "langfuse.", "traceloop.", "service.");
    /** The most the three {@code dropped_*_count} fields can add to a span: tag plus five-byte varint each. */
    private static final int DROP_COUNTS_BYTES = 3 * 6;

    private SpanCutter() {
    }

    /** What was cut or dropped, summed over what one fit produced. */
    static final class Cuts {
        int values;
        int dropped;

        boolean any() {
            return values > 0 || dropped > 0;
        }

        void add(Cuts other) {
            values += other.values;
            dropped += other.dropped;
        }
    }

    /** The span itself when it fits in {@code maxBytes}, else a cut copy that does; {@code cuts} learns what. */
    static Span fit(Span span, int maxBytes, Cuts cuts) {
        if (span.getSerializedSize() <= maxBytes) {
            return span;
        }
        int longest = longestText(span);
        if (longest > MIN_CAP) {
            Cuts trial = new Cuts();
            Span atMin = cut(span, MIN_CAP, trial);
            if (atMin.getSerializedSize() <= maxBytes) {
                // The largest cap that still fits loses the least text.
                int cap = largestCap(longest, c -> cut(span, c, new Cuts()).getSerializedSize() <= maxBytes);
                return cut(span, cap, cuts);
            }
        }
        return drop(span, maxBytes, cuts);
    }

    /** Every text of the span cut to {@code cap} bytes, with the markers. */
    private static Span cut(Span span, int cap, Cuts cuts) {
        Span.Builder builder = span.toBuilder().clearAttributes();
        int before = cuts.values;
        List<KeyValue> markers = new ArrayList<>();
        for (KeyValue attribute : span.getAttributesList()) {
            builder.addAttributes(cutValue(attribute, cap, markers, cuts));
        }
        cutFields(span, builder, cap, markers, cuts);
        builder.clearEvents();
        for (Span.Event event : span.getEventsList()) {
            builder.addEvents(cutEvent(event, cap, cuts));
        }
        builder.clearLinks();
        for (Span.Link link : span.getLinksList()) {
            builder.addLinks(cutLink(link, cap, cuts));
        }
        if (cuts.values > before) {
            builder.addAllAttributes(markers).addAttributes(truncatedMarker());
        }
        return builder.build();
    }

    /** Texts cut to {@value #MIN_CAP}, then attributes, events and links kept in order of preference while they fit. */
    private static Span drop(Span span, int maxBytes, Cuts cuts) {
        Cuts local = new Cuts();
        Span.Builder builder = span.toBuilder().clearAttributes().clearEvents().clearLinks();
        List<KeyValue> fieldMarkers = new ArrayList<>();
        cutFields(span, builder, MIN_CAP, fieldMarkers, local);
        builder.addAllAttributes(fieldMarkers).addAttributes(truncatedMarker());
        long room = (long) maxBytes - builder.build().getSerializedSize() - DROP_COUNTS_BYTES;

        int droppedAttributes = 0;
        for (KeyValue attribute : byPreference(span.getAttributesList())) {
            List<KeyValue> marker = new ArrayList<>(1);
            Cuts valueCuts = new Cuts();
            KeyValue kept = cutValue(attribute, MIN_CAP, marker, valueCuts);
            long cost = fieldSize(Span.ATTRIBUTES_FIELD_NUMBER, kept.getSerializedSize()) + (marker.isEmpty() ? 0
                    : fieldSize(Span.ATTRIBUTES_FIELD_NUMBER, marker.get(0).getSerializedSize()));
            if (cost <= room) {
                builder.addAttributes(kept).addAllAttributes(marker);
                local.add(valueCuts);
                room -= cost;
            } else {
                droppedAttributes++;
            }
        }
        int droppedEvents = 0;
        for (Span.Event event : span.getEventsList()) {
            Cuts eventCuts = new Cuts();
            Span.Event kept = cutEvent(event, MIN_CAP, eventCuts);
            long cost = fieldSize(Span.EVENTS_FIELD_NUMBER, kept.getSerializedSize());
            if (cost <= room) {
                builder.addEvents(kept);
                local.add(eventCuts);
                room -= cost;
            } else {
                droppedEvents++;
            }
        }
        int droppedLinks = 0;
        for (Span.Link link : span.getLinksList()) {
            Cuts linkCuts = new Cuts();
            Span.Link kept = cutLink(link, MIN_CAP, linkCuts);
            long cost = fieldSize(Span.LINKS_FIELD_NUMBER, kept.getSerializedSize());
            if (cost <= room) {
                builder.addLinks(kept);
                local.add(linkCuts);
                room -= cost;
            } else {
                droppedLinks++;
            }
        }
        builder.setDroppedAttributesCount(saturatedAdd(span.getDroppedAttributesCount(), droppedAttributes))
                .setDroppedEventsCount(saturatedAdd(span.getDroppedEventsCount(), droppedEvents))
                .setDroppedLinksCount(saturatedAdd(span.getDroppedLinksCount(), droppedLinks));
        local.dropped += droppedAttributes + droppedEvents + droppedLinks;
        cuts.add(local);
        return builder.build();
    }

    /** A resource shell (no scopes) fitted to {@code maxBytes} by cutting and dropping resource attributes. */
    static ResourceSpans fit(ResourceSpans shell, int maxBytes, Cuts cuts) {
        if (shell.getSerializedSize() <= maxBytes) {
            return shell;
        }
        ResourceSpans.Builder builder = shell.toBuilder();
        cutSchemaUrl(shell.getSchemaUrlBytes(), builder::setSchemaUrlBytes, cuts);
        Resource resource = shell.getResource();
        int room = maxBytes - builder.clone().setResource(resource.toBuilder().clearAttributes()).build()
                .getSerializedSize() - DROP_COUNTS_BYTES;
        int[] dropped = new int[1];
        List<KeyValue> attributes = fitAttributes(resource.getAttributesList(), room, cuts, dropped);
        return builder.setResource(resource.toBuilder().clearAttributes().addAllAttributes(attributes)
                .setDroppedAttributesCount(saturatedAdd(resource.getDroppedAttributesCount(), dropped[0]))).build();
    }

    /** A scope shell (no spans) fitted to {@code maxBytes}: its name and version cut, its attributes cut or dropped. */
    static ScopeSpans fit(ScopeSpans shell, int maxBytes, Cuts cuts) {
        if (shell.getSerializedSize() <= maxBytes) {
            return shell;
        }
        ScopeSpans.Builder builder = shell.toBuilder();
        cutSchemaUrl(shell.getSchemaUrlBytes(), builder::setSchemaUrlBytes, cuts);
        InstrumentationScope scope = shell.getScope();
        InstrumentationScope.Builder scopeBuilder = scope.toBuilder().clearAttributes();
        List<KeyValue> markers = new ArrayList<>();
        ByteString name = cutText(scope.getNameBytes(), MIN_CAP, "scope.name", markers, cuts);
        ByteString version = cutText(scope.getVersionBytes(), MIN_CAP, "scope.version", markers, cuts);
        scopeBuilder.setNameBytes(name).setVersionBytes(version).addAllAttributes(markers);
        if (!markers.isEmpty()) {
            scopeBuilder.addAttributes(truncatedMarker());
        }
        int room = maxBytes - builder.clone().setScope(scopeBuilder).build().getSerializedSize() - DROP_COUNTS_BYTES;
        int[] dropped = new int[1];
        List<KeyValue> attributes = fitAttributes(scope.getAttributesList(), room, cuts, dropped);
        scopeBuilder.addAllAttributes(attributes)
                .setDroppedAttributesCount(saturatedAdd(scope.getDroppedAttributesCount(), dropped[0]));
        return builder.setScope(scopeBuilder).build();
    }

    /**
     * The largest cap from {@value #MIN_CAP} to {@code longest - 1} for which {@code fits} holds, given that it holds
     * for {@value #MIN_CAP}: the cut that loses the least text.
     */
    static int largestCap(int longest, IntPredicate fits) {
        int lo = MIN_CAP;
        int hi = longest - 1;
        while (lo < hi) {
            int mid = (int) (((long) lo + hi + 1) >>> 1);
            if (fits.test(mid)) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }

    /** A schema URL is an identifier, never worth a record: a long one is cut hard and counted, not marked. */
    private static void cutSchemaUrl(ByteString url, Consumer<ByteString> set, Cuts cuts) {
        if (url.size() > MIN_CAP) {
            set.accept(prefix(url, MIN_CAP));
            cuts.values++;
        }
    }

    /**
     * Attributes whose encoded list takes at most {@code maxBytes}: values cut to the largest common cap that fits,
     * else cut to {@value #MIN_CAP} and kept in order of preference while they fit ({@code dropped[0]} counts the
     * rest).
     */
    static List<KeyValue> fitAttributes(List<KeyValue> attributes, int maxBytes, Cuts cuts, int[] dropped) {
        ToIntFunction<List<KeyValue>> size = list -> list.stream()
                .mapToInt(kv -> fieldSize(Resource.ATTRIBUTES_FIELD_NUMBER, kv.getSerializedSize())).sum();
        if (size.applyAsInt(attributes) <= maxBytes) {
            return attributes;
        }
        int longest = attributes.stream().mapToInt(SpanCutter::textSize).max().orElse(0);
        if (longest > MIN_CAP && size.applyAsInt(cutAll(attributes, MIN_CAP, new Cuts())) <= maxBytes) {
            return cutAll(attributes, largestCap(longest,
                    cap -> size.applyAsInt(cutAll(attributes, cap, new Cuts())) <= maxBytes), cuts);
        }
        List<KeyValue> kept = new ArrayList<>();
        kept.add(truncatedMarker());
        long room = maxBytes - (long) size.applyAsInt(kept);
        for (KeyValue attribute : byPreference(attributes)) {
            List<KeyValue> marker = new ArrayList<>(1);
            Cuts valueCuts = new Cuts();
            KeyValue cut = cutValue(attribute, MIN_CAP, marker, valueCuts);
            marker.add(0, cut);
            long cost = size.applyAsInt(marker);
            if (cost <= room) {
                kept.addAll(marker);
                cuts.add(valueCuts);
                room -= cost;
            } else {
                dropped[0]++;
            }
        }
        cuts.dropped += dropped[0];
        return kept;
    }

    /** Every value cut to {@code cap}, markers after the attributes. */
    private static List<KeyValue> cutAll(List<KeyValue> attributes, int cap, Cuts cuts) {
        List<KeyValue> result = new ArrayList<>(attributes.size() + 1);
        List<KeyValue> markers = new ArrayList<>();
        for (KeyValue attribute : attributes) {
            result.add(cutValue(attribute, cap, markers, cuts));
        }
        if (!markers.isEmpty()) {
            result.addAll(markers);
            result.add(truncatedMarker());
        }
        return result;
    }

    private static void cutFields(Span span, Span.Builder builder, int cap, List<KeyValue> markers, Cuts cuts) {
        builder.setNameBytes(cutText(span.getNameBytes(), cap, "span.name", markers, cuts));
        builder.setTraceStateBytes(cutText(span.getTraceStateBytes(), cap, "span.trace_state", markers, cuts));
        if (span.hasStatus()) {
            builder.setStatus(span.getStatus().toBuilder().setMessageBytes(
                    cutText(span.getStatus().getMessageBytes(), cap, "span.status.message", markers, cuts)));
        }
    }

    private static Span.Event cutEvent(Span.Event event, int cap, Cuts cuts) {
        if (event.getSerializedSize() <= cap) {
            return event;
        }
        Span.Event.Builder builder = event.toBuilder().clearAttributes();
        List<KeyValue> markers = new ArrayList<>();
        builder.setNameBytes(cutText(event.getNameBytes(), cap, "event.name", markers, cuts));
        for (KeyValue attribute : event.getAttributesList()) {
            builder.addAttributes(cutValue(attribute, cap, markers, cuts));
        }
        if (!markers.isEmpty()) {
            builder.addAllAttributes(markers).addAttributes(truncatedMarker());
        }
        return builder.build();
    }

    private static Span.Link cutLink(Span.Link link, int cap, Cuts cuts) {
        if (link.getSerializedSize() <= cap) {
            return link;
        }
        Span.Link.Builder builder = link.toBuilder().clearAttributes();
        List<KeyValue> markers = new ArrayList<>();
        builder.setTraceStateBytes(cutText(link.getTraceStateBytes(), cap, "link.trace_state", markers, cuts));
        for (KeyValue attribute : link.getAttributesList()) {
            builder.addAttributes(cutValue(attribute, cap, markers, cuts));
        }
        if (!markers.isEmpty()) {
            builder.addAllAttributes(markers).addAttributes(truncatedMarker());
        }
        return builder.build();
    }

    /** The attribute with a string or bytes value longer than {@code cap} cut to it, its marker added. */
    static KeyValue cutValue(KeyValue attribute, int cap, List<KeyValue> markers, Cuts cuts) {
        AnyValue value = attribute.getValue();
        if (value.hasStringValue() && value.getStringValueBytes().size() > cap) {
            ByteString text = value.getStringValueBytes();
            markers.add(originalSize(attribute.getKey(), text.size()));
            cuts.values++;
            return attribute.toBuilder().setValue(AnyValue.newBuilder().setStringValueBytes(prefix(text, cap))).build();
        }
        if (value.hasBytesValue() && value.getBytesValue().size() > cap) {
            ByteString bytes = value.getBytesValue();
            markers.add(originalSize(attribute.getKey(), bytes.size()));
            cuts.values++;
            return attribute.toBuilder().setValue(AnyValue.newBuilder().setBytesValue(bytes.substring(0, cap))).build();
        }
        return attribute;
    }

    private static ByteString cutText(ByteString text, int cap, String name, List<KeyValue> markers, Cuts cuts) {
        if (text.size() <= cap) {
            return text;
        }
        markers.add(originalSize(name, text.size()));
        cuts.values++;
        return prefix(text, cap);
    }

    /** The longest beginning of UTF-8 {@code text} of at most {@code cap} bytes that ends on a character boundary. */
    static ByteString prefix(ByteString text, int cap) {
        int end = cap;
        // A continuation byte (10xxxxxx) at the cut means a character would be split: back off to its first byte.
        while (end > 0 && end < text.size() && (text.byteAt(end) & 0xC0) == 0x80) {
            end--;
        }
        return text.substring(0, end);
    }

    private static int longestText(Span span) {
        int longest = Math.max(span.getNameBytes().size(), Math.max(span.getTraceStateBytes().size(),
                span.getStatus().getMessageBytes().size()));
        for (KeyValue attribute : span.getAttributesList()) {
            longest = Math.max(longest, textSize(attribute));
        }
        for (Span.Event event : span.getEventsList()) {
            longest = Math.max(longest, event.getNameBytes().size());
            for (KeyValue attribute : event.getAttributesList()) {
                longest = Math.max(longest, textSize(attribute));
            }
        }
        for (Span.Link link : span.getLinksList()) {
            longest = Math.max(longest, link.getTraceStateBytes().size());
            for (KeyValue attribute : link.getAttributesList()) {
                longest = Math.max(longest, textSize(attribute));
            }
        }
        return longest;
    }

    static int textSize(KeyValue attribute) {
        AnyValue value = attribute.getValue();
        return value.hasStringValue() ? value.getStringValueBytes().size()
                : value.hasBytesValue() ? value.getBytesValue().size() : 0;
    }

    private static List<KeyValue> byPreference(List<KeyValue> attributes) {
        List<KeyValue> ordered = new ArrayList<>(attributes);
        // Stable: within each group the client's order stays.
        ordered.sort(Comparator.comparingInt(kv -> preferred(kv.getKey()) ? 0 : 1));
        return ordered;
    }

    private static boolean preferred(String key) {
        for (String prefix : PREFERRED_PREFIXES) {
            if (key.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    static KeyValue truncatedMarker() {
        return KeyValue.newBuilder().setKey(TRUNCATED).setValue(AnyValue.newBuilder().setBoolValue(true)).build();
    }

    static KeyValue originalSize(String key, int bytes) {
        return KeyValue.newBuilder().setKey(ORIGINAL_SIZE_PREFIX + key)
                .setValue(AnyValue.newBuilder().setIntValue(bytes)).build();
    }

    /** Bytes a length-delimited field of this body takes in its parent. */
    static int fieldSize(int fieldNumber, int bodyBytes) {
        return CodedOutputStream.computeTagSize(fieldNumber) + CodedOutputStream.computeUInt32SizeNoTag(bodyBytes)
                + bodyBytes;
    }

    static int saturatedAdd(int count, int more) {
        return (int) Math.min(Integer.MAX_VALUE, (long) count + more);
    }
}
