package io.sessionizer.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.sessionizer.aggregator.query.Page;
import io.sessionizer.aggregator.query.SessionFilter;
import io.sessionizer.aggregator.query.SessionReader;
import io.sessionizer.aggregator.state.SessionState;
import io.sessionizer.aggregator.store.SessionIndexes;
import io.sessionizer.aggregator.store.StoreKeys;
import io.sessionizer.aggregator.topology.SessionTopology;
import io.sessionizer.aggregator.topology.TopologyFixture;
import io.sessionizer.schemas.Cost;
import io.sessionizer.schemas.LatencyMs;
import io.sessionizer.schemas.SessionStatus;
import io.sessionizer.schemas.SessionSummary;
import io.sessionizer.schemas.TokenCount;
import io.sessionizer.schemas.Turn;
import io.sessionizer.schemas.Turns;
import io.sessionizer.schemas.records.RecordContract;
import io.sessionizer.testing.OtlpTraces;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * Latency of search and list over 100,000 sessions in the production topology's RocksDB stores, filled through the
 * same index code the topology runs. Opt-in, as it takes a minute:
 * {@code ./mvnw -o test -pl benchmarks/suite -am -Dbenchmark=true -Dtest=SessionQueryBenchmarkTest
 * -Dsurefire.failIfNoSpecifiedTests=false}.
 */
@EnabledIfSystemProperty(named = "benchmark", matches = "true")
@Timeout(value = 30, unit = TimeUnit.MINUTES)
class SessionQueryBenchmarkTest {
    private static final int SESSIONS = 100_000;
    private static final int VOCABULARY = 20_000;
    private static final int RUNS = 200;
    private static final String[] SYLLABLES = {"ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "ze", "pa", "qu", "do"};

    @TempDir
    Path stateDir;

    @Test
    void shouldSearchAndListOneHundredThousandSessionsWellUnderASecond() {
        try (TopologyFixture topology = TopologyFixture.start(stateDir, Map.of("application.id", "benchmark"))) {
            KeyValueStore<String, SessionState> sessions = topology.store(SessionTopology.SESSIONS_STORE);
            KeyValueStore<Bytes, Turn> transcripts = topology.store(SessionTopology.TRANSCRIPTS_STORE);
            KeyValueStore<Bytes, byte[]> byEndTime = topology.store(SessionTopology.SESSIONS_BY_END_TIME_STORE);
            KeyValueStore<Bytes, byte[]> tokens = topology.store(SessionTopology.SEARCH_TOKENS_STORE);
            KeyValueStore<String, byte[]> stats = topology.store(SessionTopology.SESSION_STATS_STORE);
            SessionIndexes indexes = new SessionIndexes(byEndTime, tokens, stats);
            long loadStart = System.nanoTime();
            load(sessions, transcripts, indexes);
            System.out.printf("loaded %,d sessions in %.1f s%n", SESSIONS, (System.nanoTime() - loadStart) / 1e9);

            SessionReader reader = new SessionReader(List.of(topology.partition()));
            String t = RecordContract.DEFAULT_TENANT;
            Page<?> firstPage = reader.list(t, SessionFilter.NONE, null, 50);
            assertThat(firstPage.items()).hasSize(50);
            Bytes deep = firstPage.next();
            for (int i = 0; i < 100; i++) {
                deep = reader.list(t, SessionFilter.NONE, deep, 50).next();
            }
            Bytes page100 = deep;
            measure("list, first page of 50", () -> reader.list(t, SessionFilter.NONE, null, 50));
            measure("list, page 101 of 50 (cursor)", () -> reader.list(t, SessionFilter.NONE, page100, 50));
            measure("list, project filter (1% of sessions)",
                    () -> reader.list(t, new SessionFilter("rare-project", null, null), null, 50));
            measure("list, user filter", () -> reader.list(t, new SessionFilter(null, "user-7", null), null, 50));
            measure("search, rare word", () -> reader.list(t, new SessionFilter(null, null, word(15_000)), null, 50));
            measure("search, medium word", () -> reader.list(t, new SessionFilter(null, null, word(300)), null, 50));
            measure("search, most common word", () -> reader.list(t, new SessionFilter(null, null, word(0)), null,
                    50));
            measure("search, two words", () -> reader.list(t, new SessionFilter(null, null,
                    word(40) + " " + word(200)), null, 50));
            String prefix = word(2_000).substring(0, 3);
            measure("search, prefix '" + prefix + "'", () -> reader.list(t, new SessionFilter(null, null, prefix),
                    null, 50));
        }
    }

    private static void load(KeyValueStore<String, SessionState> sessions, KeyValueStore<Bytes, Turn> transcripts,
            SessionIndexes indexes) {
        Random random = new Random(42);
        Instant t0 = Instant.parse("2026-11-01T00:00:00Z");
        for (int i = 0; i < SESSIONS; i++) {
            String sessionId = "session-" + i;
            String key = RecordContract.sessionKey(RecordContract.DEFAULT_TENANT, sessionId);
            Instant start = t0.plusSeconds(random.nextInt(30 * 24 * 3600));
            Instant end = start.plusSeconds(1 + random.nextInt(600));
            String project = i % 100 == 0 ? "rare-project" : "app-" + (i % 5);
            String traceId = OtlpTraces.traceHex(i);
            Turn turn = Turns.turn(sessionId, traceId).setTenant(RecordContract.DEFAULT_TENANT)
                    .setStartTime(start).setEndTime(end).setUpdatedAt(end)
                    .setInput(Turns.text(text(random, 12))).setOutput(Turns.text(text(random, 30)))
                    .setSpanCount(3).setTokenCount(new TokenCount(100L, 50L, 150L))
                    .setCost(new Cost(0.001, 0.002, 0.003)).setModels(List.of("gpt-4o-mini"))
                    .setProject(project).build();
            SessionSummary summary = SessionSummary.newBuilder().setTenant(RecordContract.DEFAULT_TENANT)
                    .setSessionId(sessionId)
                    .setProjects(new ArrayList<>(List.of(project))).setUserId("user-" + (i % 1000))
                    .setFirstInput(turn.getInput()).setLastOutput(turn.getOutput())
                    .setStartTime(start).setEndTime(end).setTraceCount(1).setSpanCount(3)
                    .setTokenCount(turn.getTokenCount()).setCost(turn.getCost())
                    .setLatencyMs(new LatencyMs(1.0, 1.0)).setModels(new ArrayList<>(turn.getModels()))
                    .setStatus(SessionStatus.ACTIVE).setUpdatedAt(end).build();
            transcripts.put(StoreKeys.transcript(key, StoreKeys.micros(start), traceId), turn);
            indexes.turnChanged(key, null, turn);
            sessions.put(key, SessionState.newBuilder().setSummary(summary).build());
            indexes.sessionChanged(key, null, SessionIndexes.Snapshot.of(summary));
        }
    }

    /** Words of a log-uniform (Zipf-like) vocabulary: a few very common words, a long tail of rare ones. */
    private static String text(Random random, int words) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < words; i++) {
            text.append(i == 0 ? "" : " ").append(word((int) Math.pow(VOCABULARY, random.nextDouble()) - 1));
        }
        return text.toString();
    }

    private static String word(int n) {
        StringBuilder word = new StringBuilder();
        int rest = n;
        do {
            word.append(SYLLABLES[rest % SYLLABLES.length]);
            rest /= SYLLABLES.length;
        } while (rest > 0);
        return word.append(n % 7 == 0 ? "x" : "").toString();
    }

    private static void measure(String name, Supplier<Page<?>> query) {
        for (int i = 0; i < 20; i++) {
            query.get();
        }
        long[] nanos = new long[RUNS];
        int size = 0;
        for (int i = 0; i < RUNS; i++) {
            long start = System.nanoTime();
            size = query.get().items().size();
            nanos[i] = System.nanoTime() - start;
        }
        Arrays.sort(nanos);
        System.out.printf("%-45s p50 %8.2f ms   p99 %8.2f ms   (%d results)%n", name, nanos[RUNS / 2] / 1e6,
                nanos[RUNS * 99 / 100] / 1e6, size);
        assertThat(nanos[RUNS * 99 / 100]).as(name).isLessThan(1_000_000_000L);
    }
}
