package io.sessionizer.aggregator.http;

import static io.sessionizer.schemas.records.RecordContract.DEFAULT_TENANT;
import static io.sessionizer.schemas.records.RecordContract.sessionKey;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sessionizer.aggregator.store.StoreKeys;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class GatherTest {
    private static final Cursors CURSORS = new Cursors("gather-test-secret-of-32-characters".getBytes());

    private static ObjectNode page(String nextCursor, String... idsAndEndTimes) {
        ObjectNode page = SessionJson.sessions(List.of(), nextCursor);
        for (int i = 0; i < idsAndEndTimes.length; i += 2) {
            page.withArray("sessions").addObject().put("session_id", idsAndEndTimes[i])
                    .put("end_time", idsAndEndTimes[i + 1]);
        }
        return page;
    }

    private static String cursor(String id, String endTime) {
        return CURSORS.encode(Cursors.Kind.SESSIONS, DEFAULT_TENANT,
                StoreKeys.byEndTime(StoreKeys.micros(Instant.parse(endTime)), sessionKey(DEFAULT_TENANT, id)));
    }

    private static List<String> ids(JsonNode merged) {
        return merged.get("sessions").findValuesAsText("session_id");
    }

    @Test
    void shouldMergeNewestFirstAndCutAtTheLimit() {
        JsonNode merged = Gather.sessions(List.of(
                page(null, "a", "2026-01-01T00:00:03Z", "c", "2026-01-01T00:00:01Z"),
                page(null, "b", "2026-01-01T00:00:02Z")), DEFAULT_TENANT, 2, CURSORS);
        assertThat(ids(merged)).containsExactly("a", "b");
        assertThat(merged.get("next_cursor").asText()).isEqualTo(cursor("b", "2026-01-01T00:00:02Z"));
    }

    @Test
    void shouldNotPassAnInstanceThatStoppedEarly() {
        // The second instance examined only down to b: older sessions of its own may still come after b.
        JsonNode merged = Gather.sessions(List.of(
                page(null, "a", "2026-01-01T00:00:03Z", "c", "2026-01-01T00:00:01Z"),
                page(cursor("b", "2026-01-01T00:00:02Z"))), DEFAULT_TENANT, 10, CURSORS);
        assertThat(ids(merged)).containsExactly("a");
        assertThat(merged.get("next_cursor").asText()).isEqualTo(cursor("b", "2026-01-01T00:00:02Z"));
        assertThat(Gather.sessions(List.of(page(null), page(null)), DEFAULT_TENANT, 10, CURSORS)
                .get("next_cursor").isNull()).isTrue();
    }

    @Test
    void shouldAnswer502WhenAnotherInstanceSignsWithAnotherSecret() {
        Cursors other = new Cursors("another-secret-of-at-least-32-characters".getBytes());
        String foreign = other.encode(Cursors.Kind.SESSIONS, DEFAULT_TENANT, StoreKeys.byEndTime(1,
                sessionKey(DEFAULT_TENANT, "b")));
        assertThatThrownBy(() -> Gather.sessions(List.of(page(foreign)), DEFAULT_TENANT, 10, CURSORS))
                .isInstanceOf(Peers.PeerException.class).hasMessageContaining("api.cursor-secret");
    }
}
