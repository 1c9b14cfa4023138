package io.sessionizer.aggregator.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sessionizer.aggregator.index.SessionIndexStore;
import io.sessionizer.aggregator.index.SessionIndexStoreBuilder;
import io.sessionizer.aggregator.state.SessionState;
import io.sessionizer.aggregator.store.StoreKeys;
import io.sessionizer.schemas.Annotation;
import io.sessionizer.schemas.AnnotationSummary;
import io.sessionizer.schemas.AnnotatorKind;
import io.sessionizer.schemas.LatencyMs;
import io.sessionizer.schemas.SessionStatus;
import io.sessionizer.schemas.SessionSummary;
import io.sessionizer.schemas.Turn;
import io.sessionizer.schemas.Turns;
import io.sessionizer.schemas.serde.AvroBinarySerde;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The list's annotation filters, sort and facet over real session indexes: two partitions, each with sessions in
 * several segments, an annotation name present in some segments only.
 */
class AnnotationIndexTest {
    private static final String T = "default";
    private static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");

    @TempDir
    Path stateDir;

    private final List<SessionIndexStore> indexes = new ArrayList<>();

    @AfterEach
    void tearDown() {
        indexes.forEach(SessionIndexStore::close);
    }

    @BeforeEach
    void setUp() {
        // Partition 0: rebuilt with s1 to s3 (and s1's turn), then s4 and a session of another tenant in a later
        // segment. Partition 1: s5, without annotations, then s6 in a segment of its own.
        index(0, List.of(
                summary("s1", "app", 1, ann("thumbs", null, Map.of("up", 2L)), ann("quality", 0.9, Map.of("good", 1L))),
                summary("s2", "app", 2, ann("thumbs", null, Map.of("down", 1L)), ann("quality", 0.2, Map.of())),
                summary("s3", "other", 3, ann("thumbs", null, Map.of("up", 1L, "down", 1L)))),
                List.of(Turns.turn("s1", String.format("%032x", 1)).setStartTime(T0).setEndTime(T0).build(),
                        Turns.turn("s3", String.format("%032x", 3)).setStartTime(T0).setEndTime(T0).build()),
                List.of(summary("s4", "app", 4, ann("quality", 0.5, Map.of())),
                        summary("acme", "s7", "app", 7, ann("thumbs", 0.7, Map.of("up", 1L)))));
        index(1, List.of(summary("s5", "app", 5)), List.of(),
                List.of(summary("s6", "app", 6, ann("quality", -1.0, Map.of()), ann("thumbs", null, Map.of("up", 0L)))));
        for (SessionIndexStore index : indexes) {
            try (SessionIndexStore.Snapshot snapshot = index.acquire()) {
                assertThat(snapshot.searcher().getIndexReader().leaves()).as("segments").hasSizeGreaterThan(1);
            }
        }
    }

    /** An index rebuilt from {@code first} and {@code turns}, then given {@code later} in a segment of its own. */
    private void index(int partition, List<SessionSummary> first, List<Turn> turns, List<SessionSummary> later) {
        StateStoreContext context = new MockProcessorContext<>(new Properties(), new TaskId(0, partition),
                stateDir.toFile()).getStateStoreContext();
        KeyValueStore<String, SessionState> sessions = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(
                "sessions-" + partition), Serdes.String(), AvroBinarySerde.of(SessionState.class))
                .withLoggingDisabled().build();
        KeyValueStore<Bytes, Turn> transcripts = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(
                "transcripts-" + partition), Serdes.Bytes(), AvroBinarySerde.of(Turn.class))
                .withLoggingDisabled().build();
        sessions.init(context, sessions);
        transcripts.init(context, transcripts);
        for (SessionSummary s : first) {
            sessions.put(key(s), SessionState.newBuilder().setSummary(s).build());
        }
        for (Turn turn : turns) {
            transcripts.put(StoreKeys.transcript(T + "/" + turn.getSessionId(), StoreKeys.micros(turn.getStartTime()),
                    turn.getTraceId()), turn);
        }
        SessionIndexStore index = new SessionIndexStoreBuilder("index-" + partition).build();
        index.init(context, index);
        indexes.add(index);
        index.rebuildFrom(sessions, transcripts, "m").join();
        later.forEach(s -> index.putSession(key(s), s));
        index.flushCache();
        index.awaitApplied();
    }

    private static String key(SessionSummary s) {
        return s.getTenant() + "/" + s.getSessionId();
    }

    private static SessionSummary summary(String id, String project, int n, AnnotationSummary... annotations) {
        return summary(T, id, project, n, annotations);
    }

    /** A session of one turn that ended {@code n} seconds after T0. */
    private static SessionSummary summary(String tenant, String id, String project, int n,
            AnnotationSummary... annotations) {
        return SessionSummary.newBuilder().setTenant(tenant).setSessionId(id).setProjects(List.of(project))
                .setStartTime(T0).setEndTime(T0.plusSeconds(n)).setTraceCount(1).setSpanCount(1)
                .setTokenCount(Turns.tokens(0L, 0L, 0L)).setCost(Turns.cost(0.0, 0.0, 0.0))
                .setLatencyMs(new LatencyMs(null, null)).setStatus(SessionStatus.ACTIVE).setUpdatedAt(T0)
                .setAnnotations(List.of(annotations)).build();
    }

    private static AnnotationSummary ann(String name, Double mean, Map<String, Long> labels) {
        long count = labels.values().stream().mapToLong(Long::longValue).sum() + (mean == null ? 0 : 1);
        Annotation latest = Annotation.newBuilder().setAnnotationId("a-" + name).setName(name)
                .setLabel(labels.isEmpty() ? null : labels.keySet().iterator().next()).setScore(mean)
                .setAnnotatorKind(AnnotatorKind.HUMAN).setCreatedAt(T0).build();
        return AnnotationSummary.newBuilder().setName(name).setCount(Math.max(count, 1))
                .setScoreCount(mean == null ? 0 : 1).setMeanScore(mean).setLabelCounts(labels).setLatest(latest)
                .build();
    }

    private static SessionQuery query(String... params) {
        Map<String, List<String>> map = new LinkedHashMap<>();
        for (int i = 0; i < params.length; i += 2) {
            map.computeIfAbsent(params[i], k -> new ArrayList<>()).add(params[i + 1]);
        }
        return SessionQuery.parse(map, Set.of());
    }

    private SessionIndexSearch search() {
        return new SessionIndexSearch(indexes);
    }

    private List<String> ids(String tenant, SessionQuery query) {
        try (SessionIndexSearch search = search()) {
            return search.list(tenant, query, null, 10_000).hits().stream()
                    .map(h -> h.sessionKey().substring(h.sessionKey().indexOf('/') + 1)).toList();
        }
    }

    private List<String> ids(String... params) {
        return ids(T, query(params));
    }

    /**
     * Every session of a list, {@code pageSize} at a time, each page continued from the cursor bytes of the last
     * position; checks too that the positions compare in list order (what merging the instances' pages relies on).
     */
    private List<String> walk(SessionQuery query, int pageSize) {
        List<String> all = new ArrayList<>();
        List<SessionIndexSearch.Position> positions = new ArrayList<>();
        SessionIndexSearch.Position after = null;
        try (SessionIndexSearch search = search()) {
            while (true) {
                SessionIndexSearch.Hits page = search.list(T, query, after, pageSize);
                assertThat(page.hits().size()).isLessThanOrEqualTo(pageSize);
                page.hits().forEach(h -> {
                    all.add(h.sessionKey().substring(T.length() + 1));
                    positions.add(h.position());
                });
                if (!page.more()) {
                    assertThat(positions).isSorted();
                    return all;
                }
                byte[] cursor = SessionIndexSearch.toBytes(page.hits().get(page.hits().size() - 1).position());
                after = SessionIndexSearch.fromBytes(cursor, query);
            }
        }
    }

    @Test
    void shouldSelectSessionsWithALabelOfTheNameAnyOfSeveralLabelsAndNotThoseCountedZeroTimes() {
        assertThat(ids("annotation.thumbs.label", "up")).containsExactlyInAnyOrder("s1", "s3");
        assertThat(ids("annotation.thumbs.label", "down")).containsExactlyInAnyOrder("s2", "s3");
        assertThat(ids("annotation.thumbs.label", "up", "annotation.thumbs.label", "down")).as("OR within a name")
                .containsExactlyInAnyOrder("s1", "s2", "s3");
        assertThat(ids("annotation.thumbs.label", "sideways")).isEmpty();
        assertThat(ids("annotation.quality.label", "good")).containsExactly("s1");
        assertThat(ids("annotation.unknown.label", "up")).isEmpty();
        assertThat(ids("acme", query("annotation.thumbs.label", "up"))).as("another tenant's").containsExactly("s7");
    }

    @Test
    void shouldAndFiltersAcrossNamesAndWithTheOtherFilters() {
        assertThat(ids("annotation.thumbs.label", "up", "annotation.quality.min_score", "0")).containsExactly("s1");
        assertThat(ids("annotation.thumbs.label", "up", "annotation.thumbs.label", "down",
                "annotation.quality.label", "good")).containsExactly("s1");
        assertThat(ids("annotation.thumbs.label", "down", "project", "other")).containsExactly("s3");
        assertThat(ids("annotation.thumbs.label", "down", "annotation.quality.max_score", "0.2"))
                .containsExactly("s2");
    }

    @Test
    void shouldSelectMeanScoresInAnInclusiveRangeAndNeverASessionWithoutOne() {
        assertThat(ids("annotation.quality.min_score", "0.2", "annotation.quality.max_score", "0.5"))
                .containsExactlyInAnyOrder("s2", "s4");
        assertThat(ids("annotation.quality.min_score", "-5")).containsExactlyInAnyOrder("s1", "s2", "s4", "s6");
        assertThat(ids("annotation.quality.max_score", "0")).containsExactly("s6");
        assertThat(ids("annotation.quality.max_score", "-0")).as("-0 is 0").containsExactly("s6");
        assertThat(ids("annotation.quality.min_score", "0.91")).isEmpty();
        assertThat(ids("annotation.thumbs.min_score", "-1000")).as("thumbs have no scores in this tenant").isEmpty();
        assertThat(ids("annotation.quality.min_score", "0.6", "annotation.quality.max_score", "0.4")).isEmpty();
    }

    @Test
    void shouldSortOnTheMeanScoreEitherWayWithSessionsWithoutOneLast() {
        assertThat(ids("sort", "annotation.quality.score", "order", "asc"))
                .containsExactly("s6", "s2", "s4", "s1", "s3", "s5");
        assertThat(ids("sort", "annotation.quality.score"))
                .containsExactly("s1", "s4", "s2", "s6", "s3", "s5");
        assertThat(ids("sort", "annotation.quality.score", "annotation.thumbs.label", "up"))
                .containsExactly("s1", "s3");
        assertThat(ids("sort", "annotation.nobody.score")).as("none has one: by session key")
                .containsExactly("s1", "s2", "s3", "s4", "s5", "s6");
    }

    @Test
    void shouldPageASortedListWithCursorsInEitherOrder() {
        for (String order : List.of("asc", "desc")) {
            SessionQuery query = query("sort", "annotation.quality.score", "order", order);
            List<String> whole = ids(T, query);
            for (int pageSize : List.of(1, 2, 3, 4)) {
                assertThat(walk(query, pageSize)).as("%s, pages of %d", order, pageSize).isEqualTo(whole);
            }
        }
        SessionQuery filtered = query("sort", "annotation.quality.score", "order", "asc", "annotation.thumbs.label",
                "up", "annotation.thumbs.label", "down");
        assertThat(walk(filtered, 1)).containsExactly("s2", "s1", "s3");
    }

    @Test
    void shouldSortAndPageThousandsOfSessionsAsABruteForceSortDoes() {
        // Enough sessions for Lucene to skip documents by their points while sorting (past 1,000 hits).
        Random random = new Random(15);
        List<SessionSummary> first = new ArrayList<>();
        List<SessionSummary> later = new ArrayList<>();
        Map<String, Double> means = new HashMap<>();
        for (int n = 0; n < 6_000; n++) {
            String id = String.format("m%05d", n);
            // Few distinct values, so that ties are many; about a third without a score, all of a segment's last.
            Double mean = n >= 5_000 || random.nextInt(3) == 0 ? null : (random.nextInt(41) - 20) / 4.0;
            means.put(id, mean);
            (n < 3_000 ? first : later).add(mean == null ? summary(id, "bulk", 1) : summary(id, "bulk", 1,
                    ann("quality", mean, Map.of())));
        }
        index(2, first, List.of(), later);
        for (boolean ascending : List.of(true, false)) {
            Comparator<String> byMean = Comparator.comparing(means::get,
                    Comparator.nullsLast(ascending ? Comparator.<Double>naturalOrder()
                            : Comparator.<Double>reverseOrder()));
            List<String> expected = means.keySet().stream().sorted(byMean.thenComparing(id -> id)).toList();
            SessionQuery query = query("sort", "annotation.quality.score", "order", ascending ? "asc" : "desc",
                    "project", "bulk");
            assertThat(walk(query, 500)).as("ascending %s", ascending).isEqualTo(expected);
            assertThat(walk(query, 1_777)).as("ascending %s", ascending).isEqualTo(expected);
        }
        assertThat(ids(T, query("project", "bulk", "annotation.quality.min_score", "-1", "annotation.quality.max_score",
                "1"))).containsExactlyInAnyOrderElementsOf(means.entrySet().stream()
                        .filter(e -> e.getValue() != null && e.getValue() >= -1 && e.getValue() <= 1)
                        .map(Map.Entry::getKey).toList());
    }

    @Test
    void shouldRefuseACursorOfAnotherAnnotationNameOrSort() {
        SessionQuery quality = query("sort", "annotation.quality.score");
        byte[] cursor;
        try (SessionIndexSearch search = search()) {
            cursor = SessionIndexSearch.toBytes(search.list(T, quality, null, 1).hits().get(0).position());
        }
        assertThat(SessionIndexSearch.fromBytes(cursor, quality).annotation()).isEqualTo("quality");
        for (SessionQuery other : List.of(query("sort", "annotation.thumbs.score"), query("sort", "annotation.q.score"),
                query("sort", "annotation.quality.score", "order", "asc"), query("sort", "cost"), SessionQuery.ALL)) {
            assertThatThrownBy(() -> SessionIndexSearch.fromBytes(cursor, other))
                    .isInstanceOfSatisfying(InvalidParameterException.class,
                            e -> assertThat(e.parameter()).isEqualTo("cursor"));
        }
        byte[] endTime = SessionIndexSearch.toBytes(new SessionIndexSearch.Position(SessionQuery.Sort.END_TIME, false,
                5L, "default/s1"));
        assertThatThrownBy(() -> SessionIndexSearch.fromBytes(endTime, quality))
                .isInstanceOf(InvalidParameterException.class);
    }

    @Test
    void shouldCountTheLabelsOfANameAsAFacet() {
        try (SessionIndexSearch search = search()) {
            assertThat(search.facet(T, SessionQuery.ALL, "annotation.thumbs.label"))
                    .isEqualTo(Map.of("up", 2L, "down", 2L));
            assertThat(search.facet(T, query("annotation.quality.min_score", "0.5"), "annotation.thumbs.label"))
                    .isEqualTo(Map.of("up", 1L));
            assertThat(search.facet(T, SessionQuery.ALL, "annotation.quality.label")).isEqualTo(Map.of("good", 1L));
            assertThat(search.facet(T, SessionQuery.ALL, "annotation.unknown.label")).isEmpty();
            assertThat(search.facet("acme", SessionQuery.ALL, "annotation.thumbs.label")).isEqualTo(Map.of("up", 1L));
        }
    }

    @Test
    void shouldTakeTheSameFiltersInStats() {
        long from = StoreKeys.micros(T0.minusSeconds(60));
        long to = StoreKeys.micros(T0.plusSeconds(60));
        try (SessionIndexSearch search = search()) {
            SessionIndexSearch.Stats up = search.stats(T, query("annotation.thumbs.label", "up"), from, to, to - from);
            assertThat(up.totals().sessions).isEqualTo(2);
            assertThat(up.buckets().firstEntry().getValue().traces).as("the turns of s1 and s3").isEqualTo(2);
            SessionIndexSearch.Stats scored = search.stats(T, query("annotation.thumbs.label", "up",
                    "annotation.quality.min_score", "0.5"), from, to, to - from);
            assertThat(scored.totals().sessions).isEqualTo(1);
            assertThat(scored.buckets().firstEntry().getValue().traces).as("the turn of s1").isEqualTo(1);
        }
    }

    @Test
    void shouldRefuseBadNamesAndNumbersNamingTheParameter() {
        Map<List<String>, String> bad = new LinkedHashMap<>();
        bad.put(List.of("annotation.bad name.label", "up"), "annotation.bad name.label");
        bad.put(List.of("annotation..label", "up"), "annotation..label");
        bad.put(List.of("annotation.a.b.label", "up"), "annotation.a.b.label");
        bad.put(List.of("annotation." + "x".repeat(65) + ".min_score", "1"), "annotation." + "x".repeat(65)
                + ".min_score");
        bad.put(List.of("annotation.label", "up"), "annotation.label");
        bad.put(List.of("annotation.x.score", "1"), "annotation.x.score");
        bad.put(List.of("annotation.x.min_score", "high"), "annotation.x.min_score");
        bad.put(List.of("annotation.x.max_score", "NaN"), "annotation.x.max_score");
        bad.put(List.of("annotation.x.max_score", "Infinity"), "annotation.x.max_score");
        bad.put(List.of("annotation.x.min_score", ""), "annotation.x.min_score");
        bad.put(List.of("annotation.x.label", ""), "annotation.x.label");
        bad.put(List.of("annotation.x.min_score", "1", "annotation.x.min_score", "2"), "annotation.x.min_score");
        bad.put(List.of("sort", "annotation.b@d.score"), "sort");
        bad.put(List.of("sort", "annotation.score"), "sort");
        bad.put(List.of("sort", "annotation.x.label"), "sort");
        for (Map.Entry<List<String>, String> entry : bad.entrySet()) {
            assertThatThrownBy(() -> query(entry.getKey().toArray(String[]::new))).as("%s", entry.getKey())
                    .isInstanceOfSatisfying(InvalidParameterException.class,
                            e -> assertThat(e.parameter()).isEqualTo(entry.getValue()));
        }
        assertThatThrownBy(() -> SessionQuery.annotationLabelFacet("annotation.b!d.label"))
                .isInstanceOfSatisfying(InvalidParameterException.class,
                        e -> assertThat(e.parameter()).isEqualTo("field"));
        assertThat(SessionQuery.annotationLabelFacet("annotation.thumbs-v2_x.label")).isEqualTo("thumbs-v2_x");
        assertThat(SessionQuery.annotationLabelFacet("project")).isNull();
    }

    @Test
    void shouldParseTheFiltersOfEachNameTogether() {
        SessionQuery q = query("annotation.b.label", "x", "annotation.a.max_score", "2", "annotation.b.label", "y",
                "annotation.a.min_score", "-1.5", "annotation.b.label", "x");
        assertThat(q.annotations()).containsExactly(new SessionQuery.AnnotationFilter("a", List.of(), -1.5, 2.0),
                new SessionQuery.AnnotationFilter("b", List.of("x", "y"), null, null));
        assertThat(q.selectsByTimeOnly()).isFalse();
        SessionQuery sorted = query("sort", "annotation.a-b_9.score", "order", "asc");
        assertThat(sorted.sort()).isEqualTo(SessionQuery.Sort.ANNOTATION_SCORE);
        assertThat(sorted.sortAnnotation()).isEqualTo("a-b_9");
        assertThat(sorted.ascending()).isTrue();
        assertThat(SessionQuery.ALL.annotations()).isEmpty();
    }
}
