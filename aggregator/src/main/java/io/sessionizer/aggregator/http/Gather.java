package io.sessionizer.aggregator.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sessionizer.aggregator.query.SessionIndexSearch.Position;
import io.sessionizer.aggregator.query.SessionReader;
import io.sessionizer.aggregator.query.StatsWindow;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;

/**
 * Merges the parts of a list, facets or stats that every instance answered into one answer. Each instance answers a
 * list with its page of the same query after the same cursor, each session with its position; the merged page is the
 * first {@code limit} positions of them all, which is exact, since no instance left out one that comes earlier.
 */
final class Gather {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private Gather() {
    }

    /** One instance's part of a list: its sessions, their positions (as signed cursors), and whether it has more. */
    static ObjectNode part(SessionReader.ListPage page, Function<Position, String> encode) {
        ObjectNode part = NODES.objectNode();
        ArrayNode sessions = part.putArray("sessions");
        ArrayNode positions = part.putArray("positions");
        for (SessionReader.Listed listed : page.sessions()) {
            sessions.add(SessionJson.listed(listed));
            positions.add(encode.apply(listed.position()));
        }
        part.put("more", page.more());
        return part;
    }

    /** The page of a list from every instance's part: {@code {"sessions": [...], "next_cursor": ...}}. */
    static ObjectNode sessions(List<JsonNode> parts, int limit, Function<String, Position> decode) {
        record Entry(Position position, String cursor, JsonNode session) {
        }
        List<Entry> entries = new ArrayList<>();
        boolean more = false;
        for (JsonNode part : parts) {
            JsonNode sessions = part.path("sessions");
            JsonNode positions = part.path("positions");
            for (int i = 0; i < sessions.size(); i++) {
                String cursor = positions.path(i).asText();
                entries.add(new Entry(decode.apply(cursor), cursor, sessions.get(i)));
            }
            more |= part.path("more").asBoolean();
        }
        entries.sort(Comparator.comparing(Entry::position));
        ObjectNode merged = NODES.objectNode();
        ArrayNode sessions = merged.putArray("sessions");
        for (int i = 0; i < Math.min(limit, entries.size()); i++) {
            sessions.add(entries.get(i).session());
        }
        more |= entries.size() > limit;
        merged.put("next_cursor", more && !sessions.isEmpty() ? entries.get(sessions.size() - 1).cursor() : null);
        return merged;
    }

    /** The sum of every instance's totals and buckets. */
    static ObjectNode stats(List<JsonNode> parts, StatsWindow window) {
        ObjectNode sum = (ObjectNode) parts.get(0).deepCopy();
        ObjectNode totals = (ObjectNode) sum.path("totals");
        ArrayNode buckets = (ArrayNode) sum.path("buckets");
        for (JsonNode part : parts.subList(1, parts.size())) {
            add(totals, part.path("totals"));
            JsonNode other = part.path("buckets");
            for (int i = 0; i < Math.min(buckets.size(), other.size()); i++) {
                add((ObjectNode) buckets.get(i), other.get(i));
            }
        }
        return sum;
    }

    /** Adds every number of {@code from} to the same field of {@code to}, nested objects included. */
    private static void add(ObjectNode to, JsonNode from) {
        from.fields().forEachRemaining(field -> {
            JsonNode mine = to.get(field.getKey());
            JsonNode theirs = field.getValue();
            if (mine instanceof ObjectNode object) {
                add(object, theirs);
            } else if (mine != null && mine.isIntegralNumber() && theirs.isIntegralNumber()) {
                to.put(field.getKey(), mine.longValue() + theirs.longValue());
            } else if (mine != null && mine.isNumber() && theirs.isNumber()) {
                to.put(field.getKey(), mine.doubleValue() + theirs.doubleValue());
            }
        });
    }
}
