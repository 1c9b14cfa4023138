package io.sessionizer.aggregator.topology;

import static io.sessionizer.testing.OtlpTraces.attr;
import static io.sessionizer.testing.OtlpTraces.span;
import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.proto.trace.v1.Span;
import io.sessionizer.aggregator.query.SessionQuery;
import io.sessionizer.aggregator.query.SessionReader;
import io.sessionizer.schemas.SessionSummary;
import io.sessionizer.schemas.Turn;
import io.sessionizer.testing.OtlpTraces;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Outputs once per commit, and the session index kept, reused and rebuilt by the production topology. */
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
    void shouldPublishEachSessionAndTurnOncePerCommitWhateverTheDeltasInBetween() {
        try (TopologyFixture topology = TopologyFixture.start(stateDir, SETTINGS)) {
            // One input record, so one commit: two traces of one session, several spans each, and a second request
            // of the first trace's spans keyed otherwise, re-keyed through the spans-by-trace topic.
            topology.spans().pipeInput(OtlpTraces.traceHex(1), OtlpTraces.request(
                    root(1, "s", 0, 1_000, "first"), span(1, 101, 100, 10, 20), span(1, 102, 100, 30, 40),
                    root(2, "s", 2_000, 3_000, "second"), span(2, 201, 200, 2_010, 2_020)).toByteArray());

            List<TestRecord<String, SessionSummary>> summaries = topology.sessions().readRecordsToList();
            assertThat(summaries).hasSize(1);
            assertThat(summaries.get(0).value().getTraceCount()).isEqualTo(2);
            assertThat(summaries.get(0).value().getSpanCount()).isEqualTo(5);
            List<Turn> turns = topology.turns().readValuesToList();
            assertThat(turns).extracting(Turn::getTraceId)
                    .containsExactlyInAnyOrder(OtlpTraces.traceHex(1), OtlpTraces.traceHex(2));

            // The next commit publishes only what changed in it.
            topology.spans().pipeInput(OtlpTraces.traceHex(2),
                    OtlpTraces.request(span(2, 202, 200, 2_030, 2_040)).toByteArray());
            assertThat(topology.sessions().readValuesToList()).extracting(SessionSummary::getSpanCount)
                    .containsExactly(6L);
            assertThat(topology.turns().readValuesToList()).extracting(Turn::getTraceId)
                    .containsExactly(OtlpTraces.traceHex(2));
        }
    }

    @Test
    void shouldKeepTheIndexInStepWithTheStoresThroughIdleAndExpiry() {
        try (TopologyFixture topology = TopologyFixture.start(stateDir, SETTINGS)) {
            SessionReader reader = new SessionReader(List.of(topology.partition()));
            topology.spans().pipeInput(OtlpTraces.traceHex(1),
                    OtlpTraces.request(root(1, "a", 0, 1_000, "hello")).toByteArray());
            topology.spans().pipeInput(OtlpTraces.traceHex(2),
                    OtlpTraces.request(root(2, "b", 0, 2_000, "world")).toByteArray());
            assertThat(ids(reader, SessionQuery.ALL)).containsExactly("b", "a");
            assertThat(reader.facet("default", SessionQuery.ALL, "status")).containsEntry("active", 2L);

            topology.driver().advanceWallClockTime(Duration.ofMinutes(31));
            assertThat(reader.facet("default", SessionQuery.ALL, "status")).containsEntry("idle", 2L)
                    .doesNotContainKey("active");

            topology.spans().pipeInput(OtlpTraces.traceHex(3),
                    OtlpTraces.request(root(3, "a", 5_000, 6_000, "again")).toByteArray());
            assertThat(ids(reader, SessionQuery.ALL)).containsExactly("a", "b");
            topology.driver().advanceWallClockTime(Duration.ofDays(7).minusMinutes(20));
            assertThat(ids(reader, SessionQuery.ALL)).as("b expired, a not yet").containsExactly("a");
            assertThat(topology.index().documents()).as("a and its two turns").isEqualTo(3);
            assertThat(rebuilds(topology)).as("built once, empty, at the start").isEqualTo(1.0);
        }
    }

    @Test
    void shouldReuseACleanlyClosedIndexAndRebuildAWipedOne() throws Exception {
        try (TopologyFixture topology = TopologyFixture.start(stateDir, SETTINGS)) {
            topology.spans().pipeInput(OtlpTraces.traceHex(1),
                    OtlpTraces.request(root(1, "a", 0, 1_000, "hello")).toByteArray());
        }
        try (TopologyFixture topology = TopologyFixture.start(stateDir, SETTINGS)) {
            assertThat(rebuilds(topology)).as("closed cleanly at the stores' point").isZero();
            assertThat(ids(new SessionReader(List.of(topology.partition())), SessionQuery.ALL)).containsExactly("a");
        }
        try (Stream<Path> files = Files.walk(stateDir)) {
            List<Path> index = files.filter(p -> p.getFileName().toString().equals(SessionTopology.SESSION_INDEX_STORE))
                    .toList();
            assertThat(index).isNotEmpty();
            for (Path dir : index) {
                try (Stream<Path> all = Files.walk(dir)) {
                    all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        }
        try (TopologyFixture topology = TopologyFixture.start(stateDir, SETTINGS)) {
            assertThat(rebuilds(topology)).isEqualTo(1.0);
            SessionReader reader = new SessionReader(List.of(topology.partition()));
            assertThat(ids(reader, SessionQuery.ALL)).containsExactly("a");
            assertThat(reader.list("default", SessionQuery.parse(Map.of("q", List.of("hello")),
                    java.util.Set.of()), null, 10).sessions()).hasSize(1);
        }
    }
}
