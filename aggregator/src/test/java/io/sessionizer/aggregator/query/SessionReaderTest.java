package io.sessionizer.aggregator.query;

import static io.sessionizer.testing.OtlpTraces.attr;
import static io.sessionizer.testing.OtlpTraces.span;
import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.proto.trace.v1.Span;
import io.sessionizer.aggregator.topology.TopologyFixture;
import io.sessionizer.schemas.SessionSummary;
import io.sessionizer.schemas.Turn;
import io.sessionizer.schemas.records.RecordContract;
import io.sessionizer.testing.OtlpTraces;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
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

    @TempDir
    Path otherStateDir;

    @BeforeEach
    void setUp() {
        topology = topology(stateDir);
        spans = topology.spans();
    }

    /** A reader of the topology's stores and index, once the index applied what the topology handed it so far. */
    private SessionReader reader() {
        return new SessionReader(List.of(topology.partition()));
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
        send(project, trace, session, start, end, input, output, user, null, 0, false);
    }

    /** A turn: a root span and, with a model, an LLM span below it with {@code tokens} tokens. */
    private void send(String project, int trace, String session, long start, long end, String input, String output,
            String user, String model, long tokens, boolean error) {
        Span.Builder root = span(trace, trace * 100L, 0, start, end);
        if (error) {
            OtlpTraces.error(root);
        }
        if (model != null) {
            Span.Builder llm = span(trace, trace * 100L + 1, trace * 100L, start, end);
            attr(llm, "openinference.span.kind", "LLM");
            attr(llm, "llm.model_name", model);
            attr(llm, "llm.token_count.prompt", tokens);
            attr(llm, "llm.token_count.completion", 0L);
            attr(llm, "llm.token_count.total", tokens);
            attr(llm, "llm.cost.total", tokens / 1000.0);
            attr(root, "session.id", session);
            attr(root, "input.value", input);
            attr(root, "output.value", output);
            if (user != null) {
                attr(root, "user.id", user);
            }
            spans.pipeInput(OtlpTraces.traceHex(trace), OtlpTraces.request(OtlpTraces.resource(project), root, llm)
                    .toByteArray());
            return;
        }
        attr(root, "session.id", session);
        attr(root, "input.value", input);
        attr(root, "output.value", output);
        if (user != null) {
            attr(root, "user.id", user);
        }
        spans.pipeInput(OtlpTraces.traceHex(trace), OtlpTraces.request(OtlpTraces.resource(project), root).toByteArray());
    }

    private static SessionQuery query(String... params) {
        Map<String, List<String>> map = new HashMap<>();
        for (int i = 0; i < params.length; i += 2) {
            map.computeIfAbsent(params[i], k -> new ArrayList<>()).add(params[i + 1]);
        }
        return SessionQuery.parse(map, Set.of());
    }

    private List<String> ids(SessionReader.ListPage page) {
        return page.sessions().stream().map(l -> l.summary().getSessionId()).toList();
    }

    private List<String> ids(SessionQuery query) {
        return ids(reader().list(T, query, null, 100));
    }

    /** Every session of a list, walking its cursor {@code pageSize} at a time. */
    private List<String> walk(SessionReader r, SessionQuery query, int pageSize) {
        List<String> all = new ArrayList<>();
        SessionIndexSearch.Position after = null;
        while (true) {
            SessionReader.ListPage page = r.list(T, query, after, pageSize);
            all.addAll(ids(page));
            if (!page.more()) {
                return all;
            }
            after = page.sessions().get(page.sessions().size() - 1).position();
        }
    }

    @Test
    void shouldPageTurnsOldestFirstWithAStableCursor() {
        for (int i = 5; i >= 1; i--) {
            send("app", i, "s", i * 1_000L, i * 1_000L + 500, "in" + i, "out" + i, null);
        }
        List<String> seen = new ArrayList<>();
        byte[] cursor = null;
        int pages = 0;
        do {
            Page<Turn> page = reader().turns(T, "s", cursor, 2).orElseThrow();
            page.items().forEach(t -> seen.add(t.getInput().getValue()));
            cursor = page.next();
            pages++;
        } while (cursor != null);
        assertThat(seen).containsExactly("in1", "in2", "in3", "in4", "in5");
        assertThat(pages).isEqualTo(3);
        assertThat(reader().turns(T, "unknown", null, 2)).isEmpty();
    }

    @Test
    void shouldListSessionsNewestEndTimeFirstFilteredByProjectAndUser() {
        send("app", 1, "a", 0, 1_000, "x", "y", "ann");
        send("other", 2, "b", 0, 3_000, "x", "y", "bob");
        send("app", 3, "c", 0, 2_000, "x", "y", "bob");
        // A later turn moves a to the front.
        send("app", 4, "a", 5_000, 9_000, "x", "y", "ann");

        SessionReader.ListPage first = reader().list(T, SessionQuery.ALL, null, 2);
        assertThat(ids(first)).containsExactly("a", "b");
        assertThat(first.more()).isTrue();
        SessionReader.ListPage second = reader().list(T, SessionQuery.ALL,
                first.sessions().get(1).position(), 2);
        assertThat(ids(second)).containsExactly("c");
        assertThat(second.more()).isFalse();

        assertThat(ids(query("project", "app"))).containsExactly("a", "c");
        assertThat(ids(query("user_id", "bob"))).containsExactly("b", "c");
        assertThat(ids(query("project", "app", "user_id", "bob"))).containsExactly("c");
        assertThat(ids(query("project", "app", "project", "other"))).as("OR within a parameter")
                .containsExactly("a", "b", "c");
        assertThat(ids(reader().list("acme", SessionQuery.ALL, null, 10))).isEmpty();
    }

    @Test
    void shouldFilterOnEveryFieldAndSortEitherWay() {
        send("app", 1, "small", 0, 1_000, "x", "y", "ann", "gpt-4o", 100, false);
        send("app", 2, "large", 10_000, 60_000, "x", "y", "bob", "claude", 5_000, true);
        send("app", 3, "large", 70_000, 80_000, "x", "y", "bob", "gpt-4o", 1_000, false);
        send("app", 4, "plain", 100_000, 100_500, "x", "y", null);

        assertThat(ids(query("model", "claude"))).containsExactly("large");
        assertThat(ids(query("model", "gpt-4o"))).containsExactly("large", "small");
        assertThat(ids(query("has_error", "true"))).containsExactly("large");
        assertThat(ids(query("has_error", "false"))).containsExactly("plain", "small");
        assertThat(ids(query("status", "active"))).hasSize(3);
        assertThat(ids(query("status", "idle"))).isEmpty();
        assertThat(ids(query("min_tokens", "100", "max_tokens", "1000"))).containsExactly("small");
        assertThat(ids(query("min_tokens", "6000"))).containsExactly("large");
        assertThat(ids(query("min_turns", "2"))).containsExactly("large");
        assertThat(ids(query("max_cost", "0.1"))).containsExactly("plain", "small");
        assertThat(ids(query("min_cost", "5.5"))).containsExactly("large");

        // [from, to) overlaps [start, end]: times are microseconds after OtlpTraces.T0_MICROS.
        java.time.Instant t0 = java.time.Instant.EPOCH.plus(OtlpTraces.T0_MICROS, java.time.temporal.ChronoUnit.MICROS);
        assertThat(ids(query("from", t0.plusMillis(50).toString(), "to", t0.plusMillis(75).toString())))
                .containsExactly("large");
        assertThat(ids(query("to", t0.plusMillis(5).toString()))).containsExactly("small");
        assertThat(ids(query("from", t0.plusMillis(90).toString()))).containsExactly("plain");

        assertThat(ids(query("sort", "tokens"))).containsExactly("large", "small", "plain");
        assertThat(ids(query("sort", "tokens", "order", "asc"))).containsExactly("plain", "small", "large");
        assertThat(ids(query("sort", "cost"))).containsExactly("large", "small", "plain");
        assertThat(ids(query("sort", "turns", "order", "asc"))).containsExactly("plain", "small", "large");
        assertThat(ids(query("sort", "duration"))).containsExactly("large", "small", "plain");
        assertThat(ids(query("sort", "start_time", "order", "asc"))).containsExactly("small", "large", "plain");
        assertThat(ids(query("sort", "errors"))).first().isEqualTo("large");
        for (String sort : List.of("end_time", "start_time", "cost", "tokens", "turns", "duration", "errors")) {
            for (String order : List.of("asc", "desc")) {
                assertThat(walk(reader(), query("sort", sort, "order", order), 1)).as("%s %s by one", sort, order)
                        .isEqualTo(ids(query("sort", sort, "order", order)));
            }
        }
    }

    @Test
    void shouldCountFacetsOfTheSelectedSessions() {
        send("app", 1, "a", 0, 1_000, "x", "y", "ann", "gpt-4o", 100, false);
        send("app", 2, "b", 0, 1_000, "x", "y", "bob", "gpt-4o", 100, false);
        send("other", 3, "c", 0, 1_000, "x", "y", "bob", "claude", 100, false);

        assertThat(reader().facet(T, SessionQuery.ALL, "model")).containsExactlyInAnyOrderEntriesOf(
                Map.of("gpt-4o", 2L, "claude", 1L));
        assertThat(reader().facet(T, query("user_id", "bob"), "project")).containsExactlyInAnyOrderEntriesOf(
                Map.of("app", 1L, "other", 1L));
        assertThat(reader().facet(T, SessionQuery.ALL, "status")).containsExactlyInAnyOrderEntriesOf(
                Map.of("active", 3L));
        assertThat(reader().facet("acme", SessionQuery.ALL, "model")).isEmpty();
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

            SessionReader.ListPage first = both.list(T, SessionQuery.ALL, null, 2);
            assertThat(ids(first)).containsExactly("c", "b");
            assertThat(ids(both.list(T, SessionQuery.ALL, first.sessions().get(1).position(), 2)))
                    .containsExactly("a");
            assertThat(walk(both, query("q", "hello"), 1)).containsExactlyInAnyOrder("c", "b", "a");
            assertThat(both.stats(T, SessionQuery.ALL, 0, Long.MAX_VALUE / 2, Long.MAX_VALUE / 4).totals().sessions)
                    .isEqualTo(3);
            assertThat(both.turns(T, "b", null, 10).orElseThrow().items()).hasSize(1);
        }
    }

    @Test
    void shouldSearchInputsAndOutputsCaseInsensitivelyWithThePrefixOfTheLastWord() {
        send("app", 1, "weather", 0, 1_000, "What is the Weather in Paris?", "Sunny, 21°C.", null);
        send("app", 2, "recipe", 0, 2_000, "A recipe for crêpes", "Flour, eggs, milk", null);
        send("app", 3, "both", 0, 3_000, "paris crêpes", "Try the crêperie near the Louvre", null);
        send("app", 4, "both", 4_000, 5_000, "and the weather?", "Rainy", null);

        assertThat(ids(query("q", "PARIS"))).containsExactlyInAnyOrder("both", "weather");
        assertThat(ids(query("q", "sunny"))).containsExactly("weather");
        assertThat(ids(query("q", "crê"))).containsExactlyInAnyOrder("both", "recipe");
        // Words may come from different turns of a session.
        assertThat(ids(query("q", "louvre weath"))).containsExactly("both");
        assertThat(ids(query("q", "paris nothing"))).isEmpty();
        assertThat(ids(query("q", "\"near the louvre\""))).containsExactly("both");
        assertThat(ids(query("q", "\"the louvre near\""))).isEmpty();
        assertThat(ids(query("q", "?!"))).isEmpty();

        assertThat(walk(reader(), query("q", "paris"), 1)).containsExactlyInAnyOrder("both", "weather");
        List<String> best = walk(reader(), query("q", "paris"), 1);
        assertThat(walk(reader(), query("q", "paris", "order", "asc"), 1)).as("least relevant first")
                .containsExactly(best.get(1), best.get(0));
        assertThat(walk(reader(), query("q", "paris", "sort", "end_time"), 1)).containsExactly("both", "weather");
    }

    @Test
    void shouldRankASearchOverPartitionsAsOneIndexOfThemAllWould(@TempDir Path firstDir, @TempDir Path secondDir) {
        String[] texts = {"paris paris louvre", "paris", "a trip to paris and lyon", "lyon", "paris in the rain",
            "louvre museum", "paris paris paris", "weather in lyon today", "paris louvre lyon", "rain"};
        try (TopologyFixture first = topology(firstDir); TopologyFixture second = topology(secondDir)) {
            TestInputTopic<String, byte[]> all = spans;
            for (int i = 0; i < 40; i++) {
                String session = "s" + (i % 13);
                String input = texts[i % texts.length];
                String output = texts[(i * 7 + 3) % texts.length];
                for (TestInputTopic<String, byte[]> to : List.of(all,
                        (i % 13) % 2 == 0 ? first.spans() : second.spans())) {
                    spans = to;
                    send("app", i + 1, session, i * 1_000L, i * 1_000L + 500, input, output, null);
                }
            }
            spans = all;
            SessionReader partitions = new SessionReader(List.of(first.partition(), second.partition()));
            for (String q : List.of("paris", "paris louvre", "lyon rain", "\"paris louvre\"", "par")) {
                for (String order : List.of("desc", "asc")) {
                    SessionQuery query = query("q", q, "order", order);
                    assertThat(positions(partitions, query, 2)).as("%s %s", q, order)
                            .isNotEmpty().isEqualTo(positions(reader(), query, 5));
                }
            }
        }
    }

    /** Every session of a list, walked page by page: its id and position (the score's bits for relevance). */
    private static List<String> positions(SessionReader r, SessionQuery query, int pageSize) {
        List<String> all = new ArrayList<>();
        SessionIndexSearch.Position after = null;
        while (true) {
            SessionReader.ListPage page = r.list(T, query, after, pageSize);
            page.sessions().forEach(l -> all.add(l.summary().getSessionId() + "@" + l.position().bits()));
            if (!page.more()) {
                return all;
            }
            after = page.sessions().get(page.sessions().size() - 1).position();
        }
    }

    @Test
    void shouldShowTheMatchingTurnsWithTheWordsMarkedAndTheRestEscaped() {
        send("app", 1, "s", 0, 1_000, "Is <b>Paris</b> nice?", "Yes", null);
        send("app", 2, "s", 2_000, 3_000, "Other", "Paris & Lyon", null);
        send("app", 3, "s", 4_000, 5_000, "Nothing", "here", null);

        SessionReader.Listed listed = reader().list(T, query("q", "paris"), null, 10).sessions().get(0);
        assertThat(listed.matches()).hasSize(2);
        assertThat(listed.matches()).extracting(SessionReader.Match::snippet).containsExactlyInAnyOrder(
                "Is &lt;b&gt;<mark>Paris</mark>&lt;&#x2F;b&gt; nice?", "<mark>Paris</mark> &amp; Lyon");
        assertThat(listed.matches()).extracting(SessionReader.Match::field)
                .containsExactlyInAnyOrder("input", "output");
    }

    @Test
    void shouldKeepStatsOfTheSelectedSessionsThroughIdleAndExpiry() {
        send("app", 1, "a", 0, 1_000, "x", "y", null, "gpt-4o", 10, false);
        send("app", 2, "a", 2_000, 3_000, "x", "y", null, "gpt-4o", 20, true);
        send("other", 3, "b", 0, 1_000, "x", "y", null);
        long from = OtlpTraces.T0_MICROS;
        long interval = 1_000;

        SessionIndexSearch.Stats all = reader().stats(T, SessionQuery.ALL, from, from + 10_000, interval);
        assertThat(all.totals().sessions).isEqualTo(2);
        assertThat(all.totals().activeSessions).isEqualTo(2);
        assertThat(all.totals().traces).isEqualTo(3);
        assertThat(all.totals().totalTokens).isEqualTo(30);
        assertThat(all.totals().tracesWithError).isEqualTo(1);
        assertThat(all.buckets().get(from).sessionsStarted).isEqualTo(2);
        assertThat(all.buckets().get(from).traces).isEqualTo(2);
        assertThat(all.buckets().get(from + 2_000).traces).isEqualTo(1);
        assertThat(all.buckets().get(from + 2_000).totalTokens).isEqualTo(20);
        assertThat(all.buckets().get(from + 2_000).tracesWithError).isEqualTo(1);
        SessionIndexSearch.Stats app = reader().stats(T, query("project", "app"), from, from + 10_000, interval);
        assertThat(app.totals().traces).isEqualTo(2);
        assertThat(app.buckets().get(from).traces).as("only the selected sessions' turns").isEqualTo(1);

        topology.driver().advanceWallClockTime(Duration.ofMinutes(31));
        assertThat(reader().stats(T, SessionQuery.ALL, from, from + 1, 1).totals().activeSessions).isZero();
        assertThat(ids(query("status", "idle"))).containsExactlyInAnyOrder("a", "b");

        send("app", 4, "a", 4_000, 5_000, "x", "y", null);
        assertThat(reader().stats(T, query("project", "app"), from, from + 1, 1).totals().activeSessions).isEqualTo(1);

        topology.driver().advanceWallClockTime(Duration.ofDays(8));
        assertThat(reader().stats(T, SessionQuery.ALL, from, from + 10_000, interval).totals().sessions).isZero();
        assertThat(reader().stats(T, SessionQuery.ALL, from, from + 10_000, interval).buckets()).isEmpty();
        assertThat(ids(query())).isEmpty();
        assertThat(ids(query("q", "x"))).isEmpty();
    }
}
