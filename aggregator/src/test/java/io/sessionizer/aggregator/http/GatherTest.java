package io.sessionizer.aggregator.http;

import static io.sessionizer.schemas.records.RecordContract.DEFAULT_TENANT;
import static io.sessionizer.schemas.records.RecordContract.sessionKey;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sessionizer.aggregator.query.SessionIndexSearch;
import io.sessionizer.aggregator.query.SessionIndexSearch.Position;
import io.sessionizer.aggregator.query.SessionQuery;
import java.util.List;
import org.junit.jupiter.api.Test;

class GatherTest {
    private static final Cursors CURSORS = new Cursors("gather-test-secret-of-32-characters".getBytes());
    private static final SessionQuery QUERY = SessionQuery.ALL;

    /** An instance's part: sessions with their end times (the default sort), and whether it has more. */
    private static ObjectNode part(boolean more, Object... idsAndEndTimes) {
        ObjectNode part = JsonNodeFactory.instance.objectNode();
        for (int i = 0; i < idsAndEndTimes.length; i += 2) {
            String id = (String) idsAndEndTimes[i];
            part.withArray("sessions").addObject().put("session_id", id);
            part.withArray("positions").add(cursor(id, (Long) idsAndEndTimes[i + 1]));
        }
        part.put("more", more);
        return part;
    }

    private static String cursor(String id, long endMicros) {
        return CURSORS.encode(Cursors.Kind.SESSIONS, DEFAULT_TENANT, SessionIndexSearch.toBytes(
                new Position(QUERY.sort(), QUERY.ascending(), endMicros, sessionKey(DEFAULT_TENANT, id))));
    }

    private static JsonNode merge(int limit, ObjectNode... parts) {
        return Gather.sessions(List.of(parts), limit, c -> SessionIndexSearch.fromBytes(
                CURSORS.decode(Cursors.Kind.SESSIONS, DEFAULT_TENANT, c), QUERY));
    }

    private static List<String> ids(JsonNode merged) {
        return merged.get("sessions").findValuesAsText("session_id");
    }

    @Test
    void shouldMergeInListOrderAndCutAtTheLimit() {
        JsonNode merged = merge(2, part(false, "a", 3L, "c", 1L), part(false, "b", 2L));
        assertThat(ids(merged)).containsExactly("a", "b");
        assertThat(merged.get("next_cursor").asText()).isEqualTo(cursor("b", 2));
    }

    @Test
    void shouldGoOnWhileAnyInstanceHasMore() {
        JsonNode merged = merge(10, part(false, "a", 3L), part(true, "b", 2L));
        assertThat(ids(merged)).containsExactly("a", "b");
        assertThat(merged.get("next_cursor").asText()).isEqualTo(cursor("b", 2));
        assertThat(merge(10, part(false), part(false)).get("next_cursor").isNull()).isTrue();
        assertThat(merge(10, part(false, "a", 3L), part(false)).get("next_cursor").isNull()).isTrue();
    }

    @Test
    void shouldBreakTiesBySessionKey() {
        JsonNode merged = merge(3, part(false, "b", 5L), part(false, "a", 5L, "c", 5L));
        assertThat(ids(merged)).containsExactly("a", "b", "c");
    }

    @Test
    void shouldAddUpStatsPartsFieldByField() {
        ObjectNode one = JsonNodeFactory.instance.objectNode();
        one.putObject("totals").put("sessions", 2).putObject("cost").put("total", 0.5);
        one.putArray("buckets").addObject().put("traces", 1);
        ObjectNode two = one.deepCopy();
        JsonNode sum = Gather.stats(List.of(one, two), null);
        assertThat(sum.at("/totals/sessions").asLong()).isEqualTo(4);
        assertThat(sum.at("/totals/cost/total").asDouble()).isEqualTo(1.0);
        assertThat(sum.at("/buckets/0/traces").asLong()).isEqualTo(2);
    }
}
