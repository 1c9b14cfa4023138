package io.sessionizer.bench.suite;

import static org.assertj.core.api.Assertions.assertThat;

import io.sessionizer.aggregator.topology.TopologyFixture;
import io.sessionizer.loadgen.Traffic;
import io.sessionizer.schemas.SessionSummary;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The seeded records, read by the production topology, are the sessions the query section asks about. */
class StoredSessionsTopologyTest {
    @TempDir
    Path stateDir;

    @Test
    void shouldMakeEachSeededRecordASessionWithItsProjectUserModelTokensAndSearchableInput() {
        StoredSessions stored = new StoredSessions("stored-t", 200, TopologyFixture.START.toEpochMilli() * 1_000_000L);
        try (TopologyFixture topology = TopologyFixture.start(stateDir, Map.of())) {
            for (long s = 0; s < stored.count(); s++) {
                topology.spans().pipeInput(stored.key(s), stored.record(s).toByteArray());
            }

            Map<String, SessionSummary> sessions = topology.sessions().readValuesToList().stream()
                    .collect(Collectors.toMap(SessionSummary::getSessionId, Function.identity(), (a, b) -> b));

            assertThat(sessions).hasSize(200);
            SessionSummary rare = sessions.get(stored.sessionId(100));
            assertThat(rare.getProjects()).containsExactly(StoredSessions.RARE_PROJECT);
            assertThat(rare.getTraceCount()).isEqualTo(1);
            assertThat(rare.getSpanCount()).isEqualTo(1);
            assertThat(rare.getModels()).containsExactly(StoredSessions.model(100));
            assertThat(rare.getUserId()).isEqualTo("user-100");
            assertThat(rare.getTokenCount().getTotal()).isPositive();
            assertThat(rare.getFirstInput().getValue()).contains(Traffic.topic(100));
            assertThat(sessions.get(stored.sessionId(101)).getProjects()).containsExactly(StoredSessions.PROJECT);
            assertThat(sessions.values().stream().filter(s -> s.getProjects().equals(
                    List.of(StoredSessions.RARE_PROJECT)))).hasSize(2);
        }
    }
}
