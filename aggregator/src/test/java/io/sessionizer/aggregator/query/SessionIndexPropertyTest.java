package io.sessionizer.aggregator.query;

import static io.sessionizer.testing.OtlpTraces.attr;
import static io.sessionizer.testing.OtlpTraces.span;
import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.proto.trace.v1.Span;
import io.sessionizer.aggregator.index.SessionIndexStore;
import io.sessionizer.aggregator.index.SessionIndexStoreBuilder;
import io.sessionizer.aggregator.state.SessionState;
import io.sessionizer.aggregator.store.StoreKeys;
import io.sessionizer.aggregator.topology.SessionTopology;
import io.sessionizer.aggregator.topology.TopologyFixture;
import io.sessionizer.schemas.AnnotationSummary;
import io.sessionizer.schemas.IoValue;
import io.sessionizer.schemas.SessionStatus;
import io.sessionizer.schemas.SessionSummary;
import io.sessionizer.schemas.Turn;
import io.sessionizer.testing.OtlpTraces;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.function.ToDoubleFunction;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterTry;
import net.jqwik.api.lifecycle.BeforeTry;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * For random sequences of turns, late roots, client retries, idle times and expiries through the production topology,
 * the index kept incrementally answers every filter, sort, facet and stats query exactly as an index rebuilt from the
 * stores, and as a brute-force filter over the stores.
 */
class SessionIndexPropertyTest {
    private static final String T = "default";
    private static final List<String> WORDS = List.of("alpha", "bravo", "charlie", "delta", "echo", "foxtrot");
    private static final List<String> PROJECTS = List.of("p0", "p1", "p2");
    private static final List<String> MODELS = List.of("m0", "m1");
    private static final Instant T0 = Instant.EPOCH.plus(OtlpTraces.T0_MICROS, ChronoUnit.MICROS);

    private Path stateDir;
    private TopologyFixture topology;

    /** One step: a turn sent (maybe its root late, maybe twice), or time passing. */
    record Step(int trace, long startMs, long durationMs, int project, int user, int model, long tokens,
            boolean error, int word1, int word2, boolean lateRoot, boolean retry, long advanceMinutes) {
    }

    @Provide
    Arbitrary<List<Step>> steps() {
        Arbitrary<Step> turn = Combinators.combine(
                Combinators.combine(Arbitraries.integers().between(1, 12),
                        Arbitraries.longs().between(0, 100_000), Arbitraries.longs().between(1, 5_000),
                        Arbitraries.integers().between(0, 2), Arbitraries.integers().between(-1, 2),
                        Arbitraries.integers().between(-1, 1), Arbitraries.longs().between(0, 2_000))
                        .as((t, st, d, p, u, m, tok) -> new long[] {t, st, d, p, u, m, tok}),
                Arbitraries.of(true, false, false, false), Arbitraries.integers().between(0, WORDS.size() - 1),
                Arbitraries.integers().between(0, WORDS.size() - 1), Arbitraries.of(true, false, false),
                Arbitraries.of(true, false, false, false))
                .as((n, error, w1, w2, late, retry) -> new Step((int) n[0], n[1], n[2], (int) n[3], (int) n[4],
                        (int) n[5], n[6], error, w1, w2, late, retry, 0));
        Arbitrary<Step> advance = Arbitraries.of(5L, 31L, 60L * 24, 60L * 24 * 8)
                .map(m -> new Step(0, 0, 0, 0, 0, 0, 0, false, 0, 0, false, false, m));
        return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(8, turn), net.jqwik.api.Tuple.of(1, advance))
                .list().ofMinSize(1).ofMaxSize(25);
    }

    @BeforeTry
    void start() throws IOException {
        stateDir = Files.createTempDirectory("index-property");
        topology = TopologyFixture.start(stateDir, Map.of("session.idle-timeout", "30m", "session.retention", "7d",
                "punctuate.interval", "10s"));
    }

    @AfterTry
    void stop() throws IOException {
        topology.close();
        try (var files = Files.walk(stateDir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Property(tries = 40)
    void incrementalIndexEqualsRebuiltIndexEqualsBruteForce(@ForAll("steps") List<Step> steps) throws IOException {
        for (Step step : steps) {
            apply(step);
        }
        KeyValueStore<String, SessionState> sessions = topology.store(SessionTopology.SESSIONS_STORE);
        KeyValueStore<Bytes, Turn> transcripts = topology.store(SessionTopology.TRANSCRIPTS_STORE);
        Path rebuiltDir = Files.createTempDirectory(stateDir, "rebuilt");
        SessionIndexStore rebuilt = new SessionIndexStoreBuilder("rebuilt").build();
        rebuilt.init(new MockProcessorContext<>(new Properties(), new TaskId(9, 9), rebuiltDir.toFile())
                .getStateStoreContext(), rebuilt);
        try {
            rebuilt.rebuildFrom(sessions, transcripts, "property").join();
            SessionReader incremental = new SessionReader(List.of(topology.partition()));
            SessionReader fromStores = new SessionReader(List.of(
                    new SessionReader.Partition(sessions, transcripts, rebuilt)));
            List<SessionSummary> all = all(sessions);
            Map<String, List<String>> words = words(transcripts);
            for (Map<String, List<String>> params : queries()) {
                SessionQuery query = SessionQuery.parse(params, Set.of());
                List<String> expected = bruteForce(all, words, query);
                assertThat(walk(incremental, query)).as("incremental %s", params).isEqualTo(expected);
                assertThat(walk(fromStores, query)).as("rebuilt %s", params).isEqualTo(expected);
            }
            for (String field : List.of("project", "model", "user_id", "status", "tag")) {
                Map<String, Long> expected = facet(all, field);
                assertThat(incremental.facet(T, SessionQuery.ALL, field)).as("facet %s", field)
                        .isEqualTo(expected);
                assertThat(fromStores.facet(T, SessionQuery.ALL, field)).as("rebuilt facet %s", field)
                        .isEqualTo(expected);
            }
            long from = OtlpTraces.T0_MICROS;
            SessionIndexSearch.Totals totals = incremental.stats(T, SessionQuery.ALL, from, from + 200_000_000L,
                    1_000_000L).totals();
            assertThat(totals.sessions).isEqualTo(all.size());
            assertThat(totals.traces).isEqualTo(all.stream().mapToLong(SessionSummary::getTraceCount).sum());
            assertThat(totals.totalTokens).isEqualTo(all.stream().mapToLong(s -> s.getTokenCount().getTotal()).sum());
            assertThat(fromStores.stats(T, SessionQuery.ALL, from, from + 200_000_000L, 1_000_000L).totals().traces)
                    .isEqualTo(totals.traces);
        } finally {
            rebuilt.close();
        }
    }

    private void apply(Step step) {
        if (step.advanceMinutes() > 0) {
            topology.driver().advanceWallClockTime(Duration.ofMinutes(step.advanceMinutes()));
            return;
        }
        // A trace belongs to one session: its number decides, so a retried or late span lands in the same one.
        String session = "s" + (step.trace() % 5);
        long start = step.startMs() * 1000;
        long end = start + step.durationMs() * 1000;
        long rootId = step.trace() * 100L;
        Span.Builder root = attr(attr(attr(span(step.trace(), rootId, 0, start, end), "session.id", session),
                "input.value", WORDS.get(step.word1()) + " question"), "output.value", WORDS.get(step.word2()));
        if (step.user() >= 0) {
            attr(root, "user.id", "u" + step.user());
        }
        attr(root, "tag.tags", "[\"t" + step.project() + "\"]");
        if (step.error()) {
            OtlpTraces.error(root);
        }
        List<Span.Builder> children = new ArrayList<>();
        if (step.model() >= 0) {
            Span.Builder llm = span(step.trace(), rootId + 1, rootId, start + 1, end);
            attr(llm, "session.id", session);
            attr(llm, "openinference.span.kind", "LLM");
            attr(llm, "llm.model_name", MODELS.get(step.model()));
            attr(llm, "llm.token_count.total", step.tokens());
            attr(llm, "llm.cost.total", step.tokens() / 1000.0);
            children.add(llm);
        }
        var resource = OtlpTraces.resource(PROJECTS.get(step.project()));
        String key = OtlpTraces.traceHex(step.trace());
        if (step.lateRoot() && !children.isEmpty()) {
            topology.spans().pipeInput(key, OtlpTraces.request(resource, children.toArray(Span.Builder[]::new))
                    .toByteArray());
            topology.spans().pipeInput(key, OtlpTraces.request(resource, root).toByteArray());
        } else {
            List<Span.Builder> all = new ArrayList<>(children);
            all.add(0, root);
            byte[] request = OtlpTraces.request(resource, all.toArray(Span.Builder[]::new)).toByteArray();
            topology.spans().pipeInput(key, request);
            if (step.retry()) {
                topology.spans().pipeInput(key, request);
            }
        }
    }

    private static List<Map<String, List<String>>> queries() {
        List<Map<String, List<String>>> queries = new ArrayList<>();
        queries.add(Map.of());
        for (String sort : List.of("end_time", "start_time", "cost", "tokens", "turns", "duration", "errors",
                "annotation.quality.score")) {
            for (String order : List.of("asc", "desc")) {
                queries.add(Map.of("sort", List.of(sort), "order", List.of(order)));
            }
        }
        queries.add(Map.of("status", List.of("active")));
        queries.add(Map.of("status", List.of("idle")));
        queries.add(Map.of("project", List.of("p0", "p2")));
        queries.add(Map.of("user_id", List.of("u1")));
        queries.add(Map.of("model", List.of("m0")));
        queries.add(Map.of("tag", List.of("t1")));
        queries.add(Map.of("has_error", List.of("true")));
        queries.add(Map.of("annotation.quality.label", List.of("up", "down")));
        queries.add(Map.of("annotation.quality.min_score", List.of("0.5")));
        queries.add(Map.of("has_error", List.of("false"), "sort", List.of("cost")));
        queries.add(Map.of("min_tokens", List.of("500"), "max_tokens", List.of("3000")));
        queries.add(Map.of("min_cost", List.of("1.0")));
        queries.add(Map.of("min_turns", List.of("2"), "max_turns", List.of("3")));
        queries.add(Map.of("from", List.of(T0.plusSeconds(30).toString()), "to", List.of(T0.plusSeconds(60)
                .toString())));
        for (String word : WORDS.subList(0, 3)) {
            queries.add(Map.of("q", List.of(word), "sort", List.of("end_time")));
        }
        queries.add(Map.of("q", List.of("alpha bravo"), "sort", List.of("start_time"), "order", List.of("asc")));
        queries.add(Map.of("q", List.of("question"), "project", List.of("p1"), "sort", List.of("tokens")));
        return queries;
    }

    /** Every session of a list, two at a time through its cursor. */
    private static List<String> walk(SessionReader reader, SessionQuery query) {
        List<String> ids = new ArrayList<>();
        SessionIndexSearch.Position after = null;
        while (true) {
            SessionReader.ListPage page = reader.list(T, query, after, 2);
            page.sessions().forEach(l -> ids.add(l.summary().getSessionId()));
            if (!page.more()) {
                return ids;
            }
            after = page.sessions().get(page.sessions().size() - 1).position();
        }
    }

    private static List<SessionSummary> all(KeyValueStore<String, SessionState> sessions) {
        List<SessionSummary> all = new ArrayList<>();
        try (KeyValueIterator<String, SessionState> it = sessions.all()) {
            it.forEachRemaining(kv -> all.add(kv.value.getSummary()));
        }
        return all;
    }

    /** The lowercase words of every session's turns. */
    private static Map<String, List<String>> words(KeyValueStore<Bytes, Turn> transcripts) {
        Map<String, List<String>> words = new HashMap<>();
        try (KeyValueIterator<Bytes, Turn> it = transcripts.all()) {
            while (it.hasNext()) {
                KeyValue<Bytes, Turn> kv = it.next();
                List<String> w = words.computeIfAbsent(kv.value.getSessionId(), k -> new ArrayList<>());
                for (IoValue io : new IoValue[] {kv.value.getInput(), kv.value.getOutput()}) {
                    if (io != null && io.getValue() != null) {
                        w.addAll(List.of(io.getValue().toLowerCase(Locale.ROOT).split("[^\\p{L}\\p{N}]+")));
                    }
                }
            }
        }
        return words;
    }

    private static List<String> bruteForce(List<SessionSummary> all, Map<String, List<String>> words,
            SessionQuery q) {
        Predicate<SessionSummary> p = s -> true;
        p = p.and(s -> q.projects().isEmpty() || s.getProjects().stream().anyMatch(q.projects()::contains));
        p = p.and(s -> q.userIds().isEmpty() || s.getUserId() != null && q.userIds().contains(s.getUserId()));
        p = p.and(s -> q.statuses().isEmpty()
                || q.statuses().contains(s.getStatus().name().toLowerCase(Locale.ROOT)));
        p = p.and(s -> q.models().isEmpty() || s.getModels().stream().anyMatch(q.models()::contains));
        p = p.and(s -> s.getTags().containsAll(q.tags()));
        p = p.and(s -> q.hasError() == null || q.hasError() == (s.getTracesWithError() > 0));
        p = p.and(s -> q.minTokens() == null || s.getTokenCount().getTotal() >= q.minTokens());
        p = p.and(s -> q.maxTokens() == null || s.getTokenCount().getTotal() <= q.maxTokens());
        p = p.and(s -> q.minCost() == null || s.getCost().getTotal() >= q.minCost());
        p = p.and(s -> q.minTurns() == null || s.getTraceCount() >= q.minTurns());
        p = p.and(s -> q.maxTurns() == null || s.getTraceCount() <= q.maxTurns());
        p = p.and(s -> q.from() == null || !s.getEndTime().isBefore(q.from()));
        p = p.and(s -> q.to() == null || s.getStartTime().isBefore(q.to()));
        for (SessionQuery.AnnotationFilter f : q.annotations()) {
            p = p.and(s -> s.getAnnotations().stream().anyMatch(a -> a.getName().equals(f.name())
                    && (f.labels().isEmpty() || f.labels().stream().anyMatch(l -> a.getLabelCounts().getOrDefault(l,
                            0L) > 0))
                    && (f.minScore() == null || a.getMeanScore() != null && a.getMeanScore() >= f.minScore())
                    && (f.maxScore() == null || a.getMeanScore() != null && a.getMeanScore() <= f.maxScore())));
        }
        if (q.q() != null) {
            for (String word : q.q().split(" ")) {
                p = p.and(s -> words.getOrDefault(s.getSessionId(), List.of()).stream()
                        .anyMatch(w -> w.startsWith(word)));
            }
        }
        ToDoubleFunction<SessionSummary> value = switch (q.sort()) {
            case END_TIME, RELEVANCE -> s -> StoreKeys.micros(s.getEndTime());
            case START_TIME -> s -> StoreKeys.micros(s.getStartTime());
            case COST -> s -> s.getCost().getTotal();
            case TOKENS -> s -> s.getTokenCount().getTotal();
            case TURNS -> SessionSummary::getTraceCount;
            case DURATION -> s -> StoreKeys.micros(s.getEndTime()) - StoreKeys.micros(s.getStartTime());
            case ERRORS -> SessionSummary::getTracesWithError;
            // Without a score: after all others, in either order.
            case ANNOTATION_SCORE -> s -> s.getAnnotations().stream()
                    .filter(a -> a.getName().equals(q.sortAnnotation()) && a.getMeanScore() != null)
                    .mapToDouble(AnnotationSummary::getMeanScore).findFirst()
                    .orElse(q.ascending() ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY);
        };
        Comparator<SessionSummary> byValue = Comparator.comparingDouble(value);
        if (!q.ascending()) {
            byValue = byValue.reversed();
        }
        return all.stream().filter(p).sorted(byValue.thenComparing(s -> T + "/" + s.getSessionId()))
                .map(SessionSummary::getSessionId).toList();
    }

    private static Map<String, Long> facet(List<SessionSummary> all, String field) {
        Map<String, Long> counts = new TreeMap<>();
        for (SessionSummary s : all) {
            List<String> values = switch (field) {
                case "project" -> s.getProjects();
                case "model" -> s.getModels();
                case "user_id" -> s.getUserId() == null ? List.of() : List.of(s.getUserId());
                case "status" -> List.of(s.getStatus() == SessionStatus.ACTIVE ? "active" : "idle");
                default -> s.getTags();
            };
            values.stream().distinct().forEach(v -> counts.merge(v, 1L, Long::sum));
        }
        return counts;
    }
}
