package io.sessionizer.aggregator.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.sessionizer.schemas.Cost;
import io.sessionizer.schemas.LatencyMs;
import io.sessionizer.schemas.SessionStatus;
import io.sessionizer.schemas.SessionSummary;
import io.sessionizer.schemas.TokenCount;
import io.sessionizer.schemas.Turns;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SessionJsonTest {
    private static SessionSummary.Builder summary() {
        return SessionSummary.newBuilder().setTenant("default").setSessionId("s-1").setProjects(List.of())
                .setStartTime(Instant.EPOCH).setEndTime(Instant.EPOCH).setUpdatedAt(Instant.EPOCH)
                .setTraceCount(1).setSpanCount(1).setTokenCount(Turns.tokens(0L, 0L, 0L))
                .setCost(Turns.cost(0.0, 0.0, 0.0)).setLatencyMs(new LatencyMs(null, null)).setModels(List.of())
                .setStatus(SessionStatus.ACTIVE);
    }

    @Test
    void shouldPutMetadataAsAnObjectInKeyOrderAndTagsAsAnArray() {
        JsonNode json = SessionJson.summary(summary()
                .setMetadata(Map.of("user.plan", "pro", "env", "prod", "attempt", "3"))
                .setTags(List.of("chat", "beta")).build());

        assertThat(json.get("metadata").isObject()).isTrue();
        assertThat(json.get("metadata").toString())
                .isEqualTo("{\"attempt\":\"3\",\"env\":\"prod\",\"user.plan\":\"pro\"}");
        assertThat(json.get("tags").toString()).isEqualTo("[\"chat\",\"beta\"]");
    }

    @Test
    void shouldPutEmptyMetadataAndTagsInASummaryWithout() {
        JsonNode json = SessionJson.summary(summary().build());

        assertThat(json.get("metadata").toString()).isEqualTo("{}");
        assertThat(json.get("tags").toString()).isEqualTo("[]");
    }
}
