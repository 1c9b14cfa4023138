package io.sessionizer.aggregator.topology;

import static io.sessionizer.testing.OtlpTraces.attr;
import static io.sessionizer.testing.OtlpTraces.span;
import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.proto.trace.v1.Span;
import io.sessionizer.aggregator.query.SessionQuery;
import io.sessionizer.aggregator.query.SessionReader;
import io.sessionizer.schemas.SessionSummary;
import io.sessionizer.testing.OtlpTraces;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Outputs once per commit, and the session index kept in step by the production topology. */
class SessionIndexTopologyTest {
    private static final Map<String, String> SETTINGS = Map.of("session.idle-timeout", "30m",
            "session.retention", "7d", "punctuate.interval", "10s");

    @TempDir
    Path stateDir;

    private static Span.Builder root(int trace, String session, long start, long end, String input) {
        Span.Builder root = span(trace, trace * 100L, 0, start, end);
        attr(root, "session.id", session);
        attr(root, "input.value", input);
        attr(root, "output.value", "answer " + trace);
        return root;
    }

    /** A reader of the topology's stores and index, once the index applied what the topology handed it so far. */
    private static SessionReader reader(TopologyFixture topology) {
        return new SessionReader(List.of(topology.partition()));
    }

    private static List<String> ids(SessionReader reader, SessionQuery query) {
        return reader.list("default", query, null, 100).sessions().stream()
                .map(l -> l.summary().getSessionId()).toList();
    }

    private static double rebuilds(TopologyFixture topology) {
        return topology.driver().metrics().entrySet().stream()
                .filter(e -> e.getKey().name().equals("session-index-rebuilds-total"))
                .mapToDouble(e -> (Double) e.getValue().metricValue()).sum();
    }

    @Test
    void shouldPublishOnlyTheLatestVersionOfWhatOneCommitChanged() {
        // TopologyTestDriver commits after each record, repartitioned ones included, so here one commit's many changes
        // come from one check of the lifecycle: three sessions go idle and expire in it. (OncePerCommitIT counts the
        // records of a backlog of deltas on the real broker.)
        try (TopologyFixture topology = TopologyFixture.start(stateDir, SETTINGS)) {
            for (int i = 1; i <= 3; i++) {
                topology.spans().pipeInput(OtlpTraces.traceHex(i),
                        OtlpTraces.request(root(i, "s" + i, 0, 1_000, "hello")).toByteArray());
            }
            assertThat(topology.sessions().readValuesToList()).hasSize(3);
            assertThat(topology.turns().readValuesToList()).hasSize(3);

            topology.driver().advanceWallClockTime(Duration.ofDays(8));
            List<TestRecord<String, SessionSummary>> published = topology.sessions().readRecordsToList();
            assertThat(published).as("one tombstone each, not an idle summary and then a tombstone").hasSize(3)
                    .allSatisfy(r -> assertThat(r.value()).isNull());
            assertThat(topology.turns().isEmpty()).isTrue();
            assertThat(topology.index().documents()).isZero();
        }
    }

    @Test
    void shouldKeepTheIndexInStepWithTheStoresThroughIdleAndExpiry() {
        try (TopologyFixture topology = TopologyFixture.start(stateDir, SETTINGS)) {
            topology.spans().pipeInput(OtlpTraces.traceHex(1),
                    OtlpTraces.request(root(1, "a", 0, 1_000, "hello")).toByteArray());
            topology.spans().pipeInput(OtlpTraces.traceHex(2),
                    OtlpTraces.request(root(2, "b", 0, 2_000, "world")).toByteArray());
            assertThat(ids(reader(topology), SessionQuery.ALL)).containsExactly("b", "a");
            assertThat(reader(topology).facet("default", SessionQuery.ALL, "status")).containsEntry("active", 2L);

            topology.driver().advanceWallClockTime(Duration.ofMinutes(31));
            assertThat(reader(topology).facet("default", SessionQuery.ALL, "status")).containsEntry("idle", 2L)
                    .doesNotContainKey("active");

            topology.spans().pipeInput(OtlpTraces.traceHex(3),
                    OtlpTraces.request(root(3, "a", 5_000, 6_000, "again")).toByteArray());
            assertThat(ids(reader(topology), SessionQuery.ALL)).containsExactly("a", "b");
            topology.driver().advanceWallClockTime(Duration.ofDays(7).minusMinutes(20));
            assertThat(ids(reader(topology), SessionQuery.ALL)).as("b expired, a not yet").containsExactly("a");
            assertThat(topology.index().documents()).as("a and its two turns").isEqualTo(3);
            assertThat(rebuilds(topology)).as("built once, empty, at the start").isEqualTo(1.0);
        }
    }
}
