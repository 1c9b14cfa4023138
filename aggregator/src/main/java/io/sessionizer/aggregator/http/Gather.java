package io.sessionizer.aggregator.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sessionizer.aggregator.domain.SessionTotals;
import io.sessionizer.aggregator.store.StoreKeys;
import io.sessionizer.schemas.records.RecordContract;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.kafka.common.utils.Bytes;

/** Merges the parts of a list or of the totals that every instance answered into one answer. */
final class Gather {
    private Gather() {
    }

    /**
     * One page from every instance's page of the same request. An instance that stopped early (its next_cursor) has
     * not looked past that point, so the merged page ends there at the latest: no session is skipped.
     */
    static ObjectNode sessions(List<JsonNode> pages, String tenant, int limit, Cursors cursors) {
        Bytes frontier = null;
        List<Entry> entries = new ArrayList<>();
        for (JsonNode page : pages) {
            JsonNode next = page.path("next_cursor");
            if (!next.isNull() && !next.isMissingNode()) {
                Bytes key;
                try {
                    key = cursors.decode(Cursors.Kind.SESSIONS, tenant, next.asText());
                } catch (Cursors.InvalidCursorException e) {
                    // Not the caller's fault: the instances sign with different secrets.
                    throw new Peers.PeerException("An instance answered a cursor this one cannot verify: set the same"
                            + " api.cursor-secret on every instance", e);
                }
                frontier = frontier == null || key.compareTo(frontier) < 0 ? key : frontier;
            }
            for (JsonNode session : page.path("sessions")) {
                Bytes key = StoreKeys.byEndTime(StoreKeys.micros(Instant.parse(session.get("end_time").asText())),
                        RecordContract.sessionKey(tenant, session.get("session_id").asText()));
                entries.add(new Entry(key, session));
            }
        }
        entries.sort(Comparator.comparing(Entry::key));
        ObjectNode merged = JsonNodeFactory.instance.objectNode();
        ArrayNode sessions = merged.putArray("sessions");
        Bytes last = null;
        for (Entry entry : entries) {
            if (sessions.size() == limit || (frontier != null && entry.key().compareTo(frontier) > 0)) {
                break;
            }
            sessions.add(entry.session());
            last = entry.key();
        }
        boolean more = sessions.size() < entries.size() || frontier != null;
        Bytes next = !more ? null : sessions.size() == limit ? last : frontier;
        merged.put("next_cursor", cursors.encode(Cursors.Kind.SESSIONS, tenant, next));
        return merged;
    }

    /** The sum of every instance's totals. */
    static ObjectNode stats(List<JsonNode> parts, String project) {
        SessionTotals sum = SessionTotals.ZERO;
        for (JsonNode p : parts) {
            sum = sum.plus(new SessionTotals(p.path("sessions").asLong(), p.path("active_sessions").asLong(),
                    p.path("traces").asLong(), p.at("/token_count/prompt").asLong(),
                    p.at("/token_count/completion").asLong(), p.at("/token_count/total").asLong(),
                    p.at("/cost/prompt").asDouble(), p.at("/cost/completion").asDouble(),
                    p.at("/cost/total").asDouble()));
        }
        return SessionJson.stats(project, sum);
    }

    private record Entry(Bytes key, JsonNode session) {
    }
}
