package io.sessionizer.aggregator.query;

import static io.sessionizer.testing.OtlpTraces.attr;
import static io.sessionizer.testing.OtlpTraces.span;
import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.proto.trace.v1.Span;
import io.sessionizer.aggregator.domain.SessionTotals;
import io.sessionizer.aggregator.topology.TopologyFixture;
import io.sessionizer.schemas.SessionSummary;
import io.sessionizer.schemas.Turn;
import io.sessionizer.schemas.records.RecordContract;
import io.sessionizer.testing.OtlpTraces;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.TestInputTopic;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Queries over the stores and indexes that the production topology keeps. */
class SessionReaderTest {
    private static final String T = RecordContract.DEFAULT_TENANT;

    @TempDir
    Path stateDir;

    private TopologyFixture topology;
    private TestInputTopic<String, byte[]> spans;
    private SessionReader reader;

    @TempDir
    Path otherStateDir;

    @BeforeEach
    void setUp() {
        topology = topology(stateDir);
        spans = topology.spans();
        reader = new SessionReader(List.of(topology.partition()));
    }

    private static TopologyFixture topology(Path stateDir) {
        return TopologyFixture.start(stateDir, Map.of("session.idle-timeout", "30m", "session.retention", "7d"));
    }

    @AfterEach
    void tearDown() {
        topology.close();
    }

    private void send(String project, int trace, String session, long start, long end, String input, String output,
            String user) {
        Span.Builder root = span(trace, trace * 100L, 0, start, end);
        attr(root, "session.id", session);
        attr(root, "input.value", input);
        attr(root, "output.value", output);
        if (user != null) {
            attr(root, "user.id", user);
        }
        spans.pipeInput(OtlpTraces.traceHex(trace), OtlpTraces.request(OtlpTraces.resource(project), root).toByteArray());
    }

    private List<String> ids(Page<SessionSummary> page) {
        return page.items().stream().map(SessionSummary::getSessionId).toList();
    }

    @Test
    void shouldPageTurnsOldestFirstWithAStableCursor() {
        for (int i = 5; i >= 1; i--) {
            send("app", i, "s", i * 1_000L, i * 1_000L + 500, "in" + i, "out" + i, null);
        }
        List<String> seen = new ArrayList<>();
        Bytes cursor = null;
        int pages = 0;
        do {
            Page<Turn> page = reader.turns(T, "s", cursor, 2).orElseThrow();
            page.items().forEach(t -> seen.add(t.getInput().getValue()));
            cursor = page.next();
            pages++;
        } while (cursor != null);
        assertThat(seen).containsExactly("in1", "in2", "in3", "in4", "in5");
        assertThat(pages).isEqualTo(3);
        assertThat(reader.turns(T, "unknown", null, 2)).isEmpty();
    }

    @Test
    void shouldListSessionsNewestEndTimeFirstFilteredByProjectAndUser() {
        send("app", 1, "a", 0, 1_000, "x", "y", "ann");
        send("other", 2, "b", 0, 3_000, "x", "y", "bob");
        send("app", 3, "c", 0, 2_000, "x", "y", "bob");
        // A later turn moves a to the front.
        send("app", 4, "a", 5_000, 9_000, "x", "y", "ann");

        Page<SessionSummary> first = reader.list(T, SessionFilter.NONE, null, 2);
        assertThat(ids(first)).containsExactly("a", "b");
        Page<SessionSummary> second = reader.list(T, SessionFilter.NONE, first.next(), 2);
        assertThat(ids(second)).containsExactly("c");
        assertThat(second.next()).isNull();

        assertThat(ids(reader.list(T, new SessionFilter("app", null, null), null, 10))).containsExactly("a", "c");
        assertThat(ids(reader.list(T, new SessionFilter(null, "bob", null), null, 10))).containsExactly("b", "c");
        assertThat(ids(reader.list(T, new SessionFilter("app", "bob", null), null, 10))).containsExactly("c");
        assertThat(ids(reader.list("acme", SessionFilter.NONE, null, 10))).isEmpty();
    }

    @Test
    void shouldMergeThePartitionsOfAnInstanceInOrderAndAddUpTheirTotals() {
        send("app", 1, "a", 0, 1_000, "hello", "y", null);
        send("app", 2, "c", 0, 3_000, "hello", "y", null);
        try (TopologyFixture other = topology(otherStateDir)) {
            TestInputTopic<String, byte[]> otherSpans = other.spans();
            Span.Builder root = attr(attr(span(3, 300, 0, 0, 2_000), "session.id", "b"), "input.value", "hello");
            otherSpans.pipeInput(OtlpTraces.traceHex(3), OtlpTraces.request(root).toByteArray());
            SessionReader both = new SessionReader(List.of(topology.partition(), other.partition()));

            Page<SessionSummary> first = both.list(T, SessionFilter.NONE, null, 2);
            assertThat(ids(first)).containsExactly("c", "b");
            assertThat(ids(both.list(T, SessionFilter.NONE, first.next(), 2))).containsExactly("a");
            assertThat(ids(both.list(T, new SessionFilter(null, null, "hello"), null, 10)))
                    .containsExactly("c", "b", "a");
            assertThat(both.stats(T, null).sessions()).isEqualTo(3);
            assertThat(both.turns(T, "b", null, 10).orElseThrow().items()).hasSize(1);
        }
    }

    @Test
    void shouldSearchInputsAndOutputsCaseInsensitivelyWithThePrefixOfTheLastWord() {
        send("app", 1, "weather", 0, 1_000, "What is the Weather in Paris?", "Sunny, 21°C.", null);
        send("app", 2, "recipe", 0, 2_000, "A recipe for crêpes", "Flour, eggs, milk", null);
        send("app", 3, "both", 0, 3_000, "paris crêpes", "Try the crêperie near the Louvre", null);
        send("app", 4, "both", 4_000, 5_000, "and the weather?", "Rainy", null);

        assertThat(ids(reader.list(T, new SessionFilter(null, null, "PARIS"), null, 10)))
                .containsExactly("both", "weather");
        assertThat(ids(reader.list(T, new SessionFilter(null, null, "sunny"), null, 10))).containsExactly("weather");
        assertThat(ids(reader.list(T, new SessionFilter(null, null, "crê"), null, 10)))
                .containsExactly("both", "recipe");
        // Words may come from different turns of a session.
        assertThat(ids(reader.list(T, new SessionFilter(null, null, "louvre weath"), null, 10)))
                .containsExactly("both");
        assertThat(ids(reader.list(T, new SessionFilter(null, null, "paris nothing"), null, 10))).isEmpty();

        Page<SessionSummary> first = reader.list(T, new SessionFilter(null, null, "paris"), null, 1);
        assertThat(ids(first)).containsExactly("both");
        assertThat(ids(reader.list(T, new SessionFilter(null, null, "paris"), first.next(), 1)))
                .containsExactly("weather");
    }

    @Test
    void shouldKeepRunningTotalsPerProjectThroughIdleAndExpiry() {
        send("app", 1, "a", 0, 1_000, "x", "y", null);
        send("app", 2, "a", 2_000, 3_000, "x", "y", null);
        send("other", 3, "b", 0, 1_000, "x", "y", null);

        SessionTotals all = reader.stats(T, null);
        assertThat(all.sessions()).isEqualTo(2);
        assertThat(all.activeSessions()).isEqualTo(2);
        assertThat(all.traces()).isEqualTo(3);
        assertThat(reader.stats(T, "app").traces()).isEqualTo(2);
        assertThat(reader.stats(T, "other").sessions()).isEqualTo(1);

        topology.driver().advanceWallClockTime(Duration.ofMinutes(31));
        assertThat(reader.stats(T, null).activeSessions()).isZero();
        assertThat(reader.stats(T, null).sessions()).isEqualTo(2);

        send("app", 4, "a", 4_000, 5_000, "x", "y", null);
        assertThat(reader.stats(T, "app").activeSessions()).isEqualTo(1);
        assertThat(reader.stats(T, "app").traces()).isEqualTo(3);

        topology.driver().advanceWallClockTime(Duration.ofDays(8));
        assertThat(reader.stats(T, null)).isEqualTo(SessionTotals.ZERO);
        assertThat(reader.list(T, SessionFilter.NONE, null, 10).items()).isEmpty();
        assertThat(reader.list(T, new SessionFilter(null, null, "x"), null, 10).items()).isEmpty();
    }
}
