package io.sessionizer.bench.suite;

import com.fasterxml.jackson.databind.JsonNode;
import io.sessionizer.bench.Backlog;
import io.sessionizer.cli.Poll;
import io.sessionizer.loadgen.Latencies;
import io.sessionizer.loadgen.LoadResult;
import io.sessionizer.loadgen.OtlpSender;
import io.sessionizer.loadgen.Protocol;
import io.sessionizer.loadgen.Traffic;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

/**
 * The stack serving while it ingests over OTLP/HTTP at {@value #RATE} spans/s, with many sessions stored. First with
 * one aggregator instance: end-to-end freshness, and the latency of a session lookup and of a list page. Then with a
 * second instance of the same application (standby replicas off): a lookup the asked instance answers itself, one it
 * forwards to the owner, a search and a list page, which gathers both instances' parts.
 */
final class ServingSection {
    static final String FRESHNESS = "freshness";
    static final String QUERIES = "queries";
    static final double RATE = 10_000;
    /** The share of {@link #RATE} the stack must accept for the measurements to be at that rate. */
    static final double LOAD_TOLERANCE = 0.95;
    static final double FRESHNESS_TARGET_MS = 500;
    static final double LOCAL_LOOKUP_TARGET_MS = 10;
    static final Duration PROBE_INTERVAL = Duration.ofMillis(50);
    static final Duration PROBE_POLL = Duration.ofMillis(10);
    private static final Duration PROBE_GIVE_UP = Duration.ofSeconds(30);
    /** Each kind of query is asked 25 times a second at most. */
    private static final Duration QUERY_PACE = Duration.ofMillis(40);
    private static final Duration READY_TIMEOUT = Duration.ofMinutes(5);
    private static final Duration CATCH_UP_TIMEOUT = Duration.ofMinutes(10);
    private static final Duration UNTIL_STOPPED = Duration.ofDays(1);
    private static final int OWNERSHIP_SAMPLE = 2_000;
    private static final String LIST = "/api/v1/sessions?limit=50";

    private final BenchStack stack;
    private final BenchSize size;
    private final Consumer<String> out;
    private Traffic stored;

    ServingSection(BenchStack stack, BenchSize size, Consumer<String> out) {
        this.stack = stack;
        this.size = size;
        this.out = out;
    }

    /** The search word: the topic of 1 in 40 stored sessions. */
    static String searchWord() {
        return Traffic.topic(0);
    }

    List<Figure> run(String run, boolean freshness, boolean queries) throws Exception {
        BenchStack.Topics topics = BenchStack.Topics.named("serving-" + run);
        stack.createTopics(6, topics);
        String applicationId = "bench-serving-" + run;
        BenchStack.Service ingest = stack.startIngest("ingest (" + rate() + " spans/s)", topics.spans());
        BenchStack.Service first = stack.startAggregator("aggregator 1", applicationId, topics);
        stack.awaitReady(first, READY_TIMEOUT);
        ApiClient api = new ApiClient(first.port());

        stored = new Traffic(3, new Traffic.Shape(size.storedSessions(), 1, BenchLoad.SHAPE.spansPerTurn()),
                "stored-" + run);
        double seconds = Backlog.produce(stack.bootstrapServers(), topics.spans(), stored, size.storedSessions());
        out.accept(String.format(Locale.ROOT, "Stored sessions: %,d written to %s in %.1f s; waiting for the"
                + " aggregator...", size.storedSessions(), topics.spans(), seconds));
        awaitSessions(api, size.storedSessions());

        List<Figure> figures = new ArrayList<>(oneInstance(ingest, api, run, freshness, queries,
                () -> lag(applicationId, topics.spans())));
        if (queries) {
            BenchStack.Service second = stack.startAggregator("aggregator 2", applicationId, topics);
            figures.addAll(twoInstances(ingest, api, new ApiClient(second.port()), second, run));
        }
        stack.stopAll();
        return figures;
    }

    private List<Figure> oneInstance(BenchStack.Service ingest, ApiClient api, String run, boolean freshness,
            boolean queries, LongSupplier lag) throws InterruptedException {
        out.accept(String.format(Locale.ROOT, "One aggregator, OTLP/HTTP at %s spans/s: %d s warm-up, %d s"
                + " measured", rate(), size.freshnessWarmup().toSeconds(), size.freshnessDuration().toSeconds()));
        FreshnessProbe.Result fresh = null;
        Map<String, Latencies> latencies = Map.of();
        long queryErrors = 0;
        LoadResult sent;
        long behind;
        try (BenchLoad load = new BenchLoad(Protocol.HTTP, ingest.port(), new Traffic(11, BenchLoad.SHAPE,
                "load-" + run), RATE, size.freshnessWarmup(), UNTIL_STOPPED);
                OtlpSender probeSender = OtlpSender.connect(Protocol.HTTP, "http://localhost:" + ingest.port(),
                        null, BenchLoad.TIMEOUT)) {
            load.start(out);
            Thread.sleep(size.freshnessWarmup().toMillis());
            FreshnessProbe probe = !freshness ? null : new FreshnessProbe(probeSender, api, new Traffic(13,
                    new Traffic.Shape(1, 1, BenchLoad.SHAPE.spansPerTurn()), "fresh-" + run), PROBE_INTERVAL,
                    PROBE_POLL, PROBE_GIVE_UP);
            QueryProbe query = !queries ? null : new QueryProbe(List.of(
                    new QueryProbe.Query("session lookup", api, this::storedSession),
                    new QueryProbe.Query("list page (limit 50)", api, () -> LIST)), QUERY_PACE);
            if (probe != null) {
                probe.start();
            }
            if (query != null) {
                query.start();
            }
            Thread.sleep(size.freshnessDuration().toMillis());
            behind = lag.getAsLong();
            if (query != null) {
                latencies = query.stop();
                queryErrors = query.errors();
            }
            sent = load.stop();
            if (probe != null) {
                fresh = probe.stop();
            }
        }
        out.accept(sent.describe());
        List<Figure> figures = new ArrayList<>();
        if (freshness) {
            String at = " at " + rate() + " spans/s";
            // Below the rate, the stack did not keep up and the freshness below is not the one asked for.
            figures.add(Figure.of(FRESHNESS, "OTLP load accepted meanwhile", sent.spansPerSecond(), "spans/s")
                    .withTargets(Target.atLeast(RATE * LOAD_TOLERANCE)));
            Latencies.Summary f = fresh.latency();
            String name = "ack → visible in GET /api/v1/sessions/{id}" + (fresh.missed() == 0 ? ", "
                    : " (a probe not seen within " + PROBE_GIVE_UP.toSeconds() + " s counts as that: a lower bound), ");
            figures.add(Figure.of(FRESHNESS, name + "p50" + at, f.p50(), "ms").withSamples(f.count()));
            figures.add(Figure.of(FRESHNESS, name + "p99" + at, f.p99(), "ms").withSamples(f.count())
                    .withTargets(Target.below(FRESHNESS_TARGET_MS)));
            figures.add(Figure.of(FRESHNESS, name + "p99.9" + at, f.p999(), "ms").withSamples(f.count()));
            figures.add(Figure.of(FRESHNESS, "aggregator behind on the spans topic when the measurement ended",
                    behind, "traces"));
            figures.add(Figure.of(FRESHNESS, "probes not visible within " + PROBE_GIVE_UP.toSeconds() + " s",
                    fresh.missed(), "probes"));
            figures.add(Figure.of(FRESHNESS, "probes ingest did not acknowledge", fresh.failedSends(), "probes"));
        }
        if (queries) {
            figures.addAll(queryFigures(String.format(Locale.ROOT, "queries, 1 aggregator, %,d sessions",
                    size.storedSessions()), latencies, queryErrors, null));
        }
        return figures;
    }

    private List<Figure> twoInstances(BenchStack.Service ingest, ApiClient first, ApiClient second,
            BenchStack.Service secondService, String run) throws InterruptedException {
        out.accept("Second aggregator instance started; waiting until both own a share of the sessions...");
        awaitBalanced(first, second, secondService);
        List<String> ownedByFirst = new ArrayList<>();
        List<String> ownedBySecond = new ArrayList<>();
        for (int i = 0; i < OWNERSHIP_SAMPLE; i++) {
            String path = storedSession();
            if (first.getNow(path, true).status().code() == 200) {
                ownedByFirst.add(path);
            } else if (second.getNow(path, true).status().code() == 200) {
                ownedBySecond.add(path);
            }
        }
        out.accept(String.format(Locale.ROOT, "Of %,d stored sessions sampled, instance 1 owns %,d, instance 2 %,d."
                        + " Two aggregators, OTLP/HTTP at %s spans/s: %d s warm-up, %d s measured",
                OWNERSHIP_SAMPLE, ownedByFirst.size(), ownedBySecond.size(), rate(),
                size.queriesWarmup().toSeconds(), size.queriesDuration().toSeconds()));
        if (ownedByFirst.isEmpty() || ownedBySecond.isEmpty()) {
            throw new IllegalStateException("One instance owns none of the sampled sessions; cannot measure both"
                    + " local and forwarded lookups");
        }
        String search = "search q=" + searchWord();
        QueryProbe query = new QueryProbe(List.of(
                new QueryProbe.Query("local lookup", first, () -> pick(ownedByFirst)),
                new QueryProbe.Query("forwarded lookup", first, () -> pick(ownedBySecond)),
                new QueryProbe.Query(search, first, () -> "/api/v1/sessions?q=" + searchWord()),
                new QueryProbe.Query("list page (limit 50)", first, () -> LIST)), QUERY_PACE);
        Map<String, Latencies> latencies;
        try (BenchLoad load = new BenchLoad(Protocol.HTTP, ingest.port(), new Traffic(17, BenchLoad.SHAPE,
                "load2-" + run), RATE, size.queriesWarmup(), UNTIL_STOPPED)) {
            load.start(out);
            Thread.sleep(size.queriesWarmup().toMillis());
            query.start();
            Thread.sleep(size.queriesDuration().toMillis());
            latencies = query.stop();
            out.accept(load.stop().describe());
        }
        return queryFigures(String.format(Locale.ROOT, "queries, 2 aggregators, %,d sessions",
                size.storedSessions()), latencies, query.errors(), "local lookup");
    }

    /** p50 and p99 of each query; the p99 of {@code targeted} has the local lookup's target. */
    private static List<Figure> queryFigures(String section, Map<String, Latencies> latencies, long errors,
            String targeted) {
        List<Figure> figures = new ArrayList<>();
        latencies.forEach((name, l) -> {
            Latencies.Summary s = l.summary();
            figures.add(Figure.of(section, name + " p50", s.p50(), "ms").withSamples(s.count()));
            Figure p99 = Figure.of(section, name + " p99", s.p99(), "ms").withSamples(s.count());
            figures.add(name.equals(targeted) ? p99.withTargets(Target.below(LOCAL_LOOKUP_TARGET_MS)) : p99);
        });
        figures.add(Figure.of(section, "queries answered other than 200", errors, "requests"));
        return figures;
    }

    private String storedSession() {
        return "/api/v1/sessions/" + stored.sessionId(ThreadLocalRandom.current().nextLong(size.storedSessions()));
    }

    private static String pick(List<String> paths) {
        return paths.get(ThreadLocalRandom.current().nextInt(paths.size()));
    }

    private static String rate() {
        return String.format(Locale.ROOT, "%,.0f", RATE);
    }

    /** Records of the spans topic the aggregator has not committed yet; -1 when Kafka cannot tell. */
    private long lag(String applicationId, String spansTopic) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                stack.bootstrapServers()))) {
            return Backlog.lag(admin, applicationId, spansTopic);
        } catch (Exception e) {
            return -1;
        }
    }

    /** Waits until the API counts at least {@code expected} sessions. */
    private void awaitSessions(ApiClient api, long expected) throws InterruptedException {
        AtomicLong lastReport = new AtomicLong(System.nanoTime());
        AtomicLong sessions = new AtomicLong();
        boolean caughtUp = Poll.until(CATCH_UP_TIMEOUT, Duration.ofSeconds(1), () -> {
            sessions.set(sessions(api, false));
            if (System.nanoTime() - lastReport.get() > 5_000_000_000L) {
                out.accept(String.format(Locale.ROOT, "  %,d of %,d sessions", sessions.get(), expected));
                lastReport.set(System.nanoTime());
            }
            return sessions.get() >= expected;
        });
        if (!caughtUp) {
            throw new IllegalStateException("The aggregator holds " + sessions.get() + " of " + expected
                    + " sessions after " + CATCH_UP_TIMEOUT.toMinutes() + " min");
        }
    }

    /** Waits until both instances are ready and each owns part of the sessions, together all of them. */
    private void awaitBalanced(ApiClient first, ApiClient second, BenchStack.Service secondService)
            throws InterruptedException {
        boolean balanced = Poll.until(READY_TIMEOUT, Duration.ofMillis(500), () -> {
            secondService.jvm().requireAlive();
            long mine = sessions(first, true);
            long theirs = sessions(second, true);
            return mine > 0 && theirs > 0 && mine + theirs == sessions(first, false);
        });
        if (!balanced) {
            throw new IllegalStateException("The two aggregator instances did not share the sessions within "
                    + READY_TIMEOUT.toMinutes() + " min; see " + secondService.jvm().log());
        }
    }

    /** The sessions an instance counts (its own with {@code localOnly}); -1 while it cannot answer (503). */
    private static long sessions(ApiClient api, boolean localOnly) {
        try {
            JsonNode stats = api.json("/api/v1/stats", localOnly);
            return stats.at("/totals/sessions").asLong();
        } catch (RuntimeException e) {
            return -1;
        }
    }
}
