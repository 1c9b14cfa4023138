package io.sessionizer.bench.suite;

import com.fasterxml.jackson.databind.JsonNode;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.util.Exceptions;
import io.sessionizer.bench.Backlog;
import io.sessionizer.cli.Poll;
import io.sessionizer.launcher.local.ChildJvm;
import io.sessionizer.loadgen.Latencies;
import io.sessionizer.loadgen.LoadResult;
import io.sessionizer.loadgen.OtlpSender;
import io.sessionizer.loadgen.Protocol;
import io.sessionizer.loadgen.Traffic;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.utils.Utils;

/**
 * The stack serving while it ingests over OTLP/HTTP, with many sessions stored (seeded straight to the spans topic,
 * {@link StoredSessions}). With one aggregator instance: end-to-end freshness at each of {@link #FRESHNESS_RATES}
 * spans/s, and, at {@value #QUERY_RATE} spans/s, the latency of a session lookup, a list page, a list filtered by a
 * rare project, a search, a facet and the last 24 hours' stats; at {@value #QUERY_RATE} spans/s also the time from an
 * annotation's POST to the session's summary and to the list filtered on it ({@link AnnotationProbe}). Then the resident memory of that instance, and the
 * rebuild: the instance stopped, its state directory wiped and the instance started again, timed until its list
 * answers 200 rather than 503. Last, a second instance of the same application (standby replicas off): a lookup the
 * asked instance answers itself, one it forwards to the owner, a search and a list page, which gathers both
 * instances' parts.
 */
final class ServingSection {
    static final String FRESHNESS = "freshness";
    static final String QUERIES = "queries";
    static final String REBUILD = "rebuild";
    static final String ANNOTATIONS = "annotations";
    /** One annotation a second: a person or an evaluator's pace, not a load. */
    static final Duration ANNOTATION_INTERVAL = Duration.ofMillis(200);
    /** The OTLP load while queries are measured. */
    static final double QUERY_RATE = 10_000;
    /** The OTLP loads at which freshness is measured, one after the other; the first is {@link #QUERY_RATE}. */
    static final List<Double> FRESHNESS_RATES = List.of(QUERY_RATE, 20_000.0);
    /** The share of the rate the stack must accept for the measurements to be at that rate. */
    static final double LOAD_TOLERANCE = 0.95;
    static final double FRESHNESS_TARGET_MS = 500;
    static final double LOOKUP_TARGET_MS = 10;
    /** Filtered list, search, facets and stats. */
    static final double QUERY_TARGET_MS = 100;
    static final double REBUILD_TARGET_S = 60;
    static final Duration PROBE_INTERVAL = Duration.ofMillis(50);
    static final Duration PROBE_POLL = Duration.ofMillis(10);
    static final String LOOKUP = "session lookup";
    static final String LIST_PAGE = "list page (limit 50)";
    static final String RARE_LIST = "list, project=" + StoredSessions.RARE_PROJECT + " (limit 50)";
    static final String FACETS = "facets, field=model";
    static final String STATS = "stats, last 24 hours";
    static final String LIST = "/api/v1/sessions?limit=50";
    static final String RARE_LIST_PATH = LIST + "&project=" + StoredSessions.RARE_PROJECT;
    static final String FACETS_PATH = "/api/v1/sessions/facets?field=model";
    private static final Duration PROBE_GIVE_UP = Duration.ofSeconds(30);
    /** Each kind of query is asked 25 times a second at most. */
    private static final Duration QUERY_PACE = Duration.ofMillis(40);
    private static final Duration READY_TIMEOUT = Duration.ofMinutes(5);
    private static final Duration REBUILD_TIMEOUT = Duration.ofMinutes(20);
    private static final Duration REBUILD_POLL = Duration.ofMillis(100);
    private static final Duration UNTIL_STOPPED = Duration.ofDays(1);
    private static final int OWNERSHIP_SAMPLE = 2_000;
    private static final int CATCH_UP_MINUTES = 5;
    /** Records behind on the spans topic that count as caught up: transaction markers no consumer commits past. */
    private static final long CAUGHT_UP_RECORDS = 100;

    private final BenchStack stack;
    private final BenchSize size;
    private final Consumer<String> out;
    private StoredSessions stored;

    ServingSection(BenchStack stack, BenchSize size, Consumer<String> out) {
        this.stack = stack;
        this.size = size;
        this.out = out;
    }

    /** The search word: the topic of 1 in 40 stored sessions. */
    static String searchWord() {
        return Traffic.topic(0);
    }

    /** The stats of the 24 hours before {@code now}, to the second. */
    static String statsPath(Instant now) {
        return "/api/v1/stats?from=" + now.minus(Duration.ofHours(24)).truncatedTo(ChronoUnit.SECONDS);
    }

    List<Figure> run(String run, boolean freshness, boolean queries) throws Exception {
        BenchStack.Topics topics = BenchStack.Topics.named("serving-" + run);
        stack.createTopics(6, topics);
        String applicationId = "bench-serving-" + run;
        BenchStack.Service ingest = stack.startIngest("ingest (OTLP load)", topics.spans(), topics.logs());
        BenchStack.Service first = stack.startAggregator("aggregator 1", applicationId, topics);
        stack.awaitReady(first, READY_TIMEOUT);
        ApiClient api = stack.api(first);

        long count = size.storedSessions();
        stored = new StoredSessions("stored-" + run, count, System.currentTimeMillis() * 1_000_000L);
        double seconds = stored.produce(stack.bootstrapServers(), topics.spans());
        out.accept(String.format(Locale.ROOT, "Stored sessions: %,d written to %s in %.1f s; waiting for the"
                + " aggregator...", count, topics.spans(), seconds));
        long caughtUpAt = System.nanoTime();
        awaitSessions(api, count);
        out.accept(String.format(Locale.ROOT, "  the aggregator holds them, %.1f s later",
                (System.nanoTime() - caughtUpAt) / 1e9));

        List<Figure> figures = new ArrayList<>();
        LongSupplier lag = () -> lag(applicationId, topics.spans());
        for (double rate : freshness ? FRESHNESS_RATES : List.of(QUERY_RATE)) {
            figures.addAll(underLoad(ingest, api, run, rate, freshness, queries && rate == QUERY_RATE, lag));
        }
        if (queries) {
            String section = String.format(Locale.ROOT, "%s, 1 aggregator, %,d sessions", REBUILD, count);
            figures.addAll(memory(section, "aggregator 1 holding them", first));
            BenchStack.Service rebuilt = rebuild(first, applicationId, topics, section, figures);
            BenchStack.Service second = stack.startAggregator("aggregator 2", applicationId, topics);
            figures.addAll(twoInstances(ingest, stack.api(rebuilt), stack.api(second), second,
                    run));
        }
        stack.stopAll();
        return figures;
    }

    /**
     * One measurement under OTLP load at {@code rate}: freshness probes and the queries of the stored sessions, either
     * or both.
     */
    private List<Figure> underLoad(BenchStack.Service ingest, ApiClient api, String run, double rate,
            boolean freshness, boolean queries, LongSupplier lag) throws InterruptedException {
        out.accept(String.format(Locale.ROOT, "One aggregator, OTLP/HTTP at %s spans/s: %d s warm-up, %d s"
                + " measured (%s)", rate(rate), size.freshnessWarmup().toSeconds(),
                size.freshnessDuration().toSeconds(), freshness && queries ? "freshness and queries"
                        : freshness ? "freshness" : "queries"));
        FreshnessProbe.Result fresh = null;
        AnnotationProbe.Result listed = null;
        AnnotationProbe.Result summarized = null;
        Map<String, Latencies> latencies = Map.of();
        Map<String, Map<Integer, Long>> queryErrors = Map.of();
        LoadResult sent;
        long behind;
        awaitCaughtUp(lag);
        String tag = BenchStack.fileName(rate(rate));
        try (BenchLoad load = new BenchLoad(Protocol.HTTP, ingest.port(), new Traffic(11, BenchLoad.SHAPE,
                "load-" + tag + "-" + run), rate, size.freshnessWarmup(), UNTIL_STOPPED);
                OtlpSender probeSender = OtlpSender.connect(Protocol.HTTP, "http://localhost:" + ingest.port(),
                        null, BenchLoad.TIMEOUT)) {
            load.start(out);
            Thread.sleep(size.freshnessWarmup().toMillis());
            FreshnessProbe probe = !freshness ? null : new FreshnessProbe(probeSender, api, new Traffic(13,
                    new Traffic.Shape(1, 1, BenchLoad.SHAPE.spansPerTurn()), "fresh-" + tag + "-" + run),
                    PROBE_INTERVAL, PROBE_POLL, PROBE_GIVE_UP);
            QueryProbe query = !queries ? null : new QueryProbe(List.of(
                    new QueryProbe.Query(LOOKUP, api, this::storedSession),
                    new QueryProbe.Query(LIST_PAGE, api, () -> LIST),
                    new QueryProbe.Query(RARE_LIST, api, () -> RARE_LIST_PATH),
                    new QueryProbe.Query(search(), api, () -> "/api/v1/sessions?q=" + searchWord()),
                    new QueryProbe.Query(FACETS, api, () -> FACETS_PATH),
                    new QueryProbe.Query(STATS, api, () -> statsPath(Instant.now()))), QUERY_PACE);
            // Each probe annotates another stored session, from the middle of the ids on: the even ones for the
            // list, the odd ones for the summary.
            AnnotationProbe inList = rate != QUERY_RATE ? null : new AnnotationProbe(api,
                    n -> stored.sessionId((stored.count() / 2 + 2 * n * 7919) % stored.count()), ANNOTATION_INTERVAL,
                    PROBE_POLL, PROBE_GIVE_UP, run, true);
            AnnotationProbe inSummary = rate != QUERY_RATE ? null : new AnnotationProbe(api,
                    n -> stored.sessionId((stored.count() / 2 + 2 * n * 7919 + 1) % stored.count()),
                    ANNOTATION_INTERVAL, PROBE_POLL, PROBE_GIVE_UP, run, false);
            if (probe != null) {
                probe.start();
            }
            if (query != null) {
                query.start();
            }
            if (inList != null) {
                inList.start();
                inSummary.start();
            }
            Thread.sleep(size.freshnessDuration().toMillis());
            behind = lag.getAsLong();
            if (query != null) {
                latencies = query.stop();
                queryErrors = query.errorsByQuery();
            }
            if (inList != null) {
                listed = inList.stop();
                summarized = inSummary.stop();
            }
            sent = load.stop();
            if (probe != null) {
                fresh = probe.stop();
            }
        }
        out.accept(sent.describe());
        List<Figure> figures = new ArrayList<>();
        if (freshness) {
            String at = " at " + rate(rate) + " spans/s";
            // Below the rate, the stack did not keep up and the freshness below is not the one asked for.
            figures.add(Figure.of(FRESHNESS, "OTLP load accepted meanwhile" + at, sent.spansPerSecond(), "spans/s")
                    .withTargets(Target.atLeast(rate * LOAD_TOLERANCE)));
            Latencies.Summary f = fresh.latency();
            String name = "ack → visible in GET /api/v1/sessions/{id}" + (fresh.missed() == 0 ? ", "
                    : " (a probe not seen within " + PROBE_GIVE_UP.toSeconds() + " s counts as that: a lower bound), ");
            figures.add(Figure.of(FRESHNESS, name + "p50" + at, f.p50(), "ms").withSamples(f.count()));
            figures.add(Figure.of(FRESHNESS, name + "p99" + at, f.p99(), "ms").withSamples(f.count())
                    .withTargets(Target.atMost(FRESHNESS_TARGET_MS)));
            figures.add(Figure.of(FRESHNESS, name + "p99.9" + at, f.p999(), "ms").withSamples(f.count()));
            figures.add(Figure.of(FRESHNESS, "aggregator behind on the spans topic when the measurement ended" + at,
                    behind, "traces"));
            figures.add(Figure.of(FRESHNESS, "probes not visible within " + PROBE_GIVE_UP.toSeconds() + " s" + at,
                    fresh.missed(), "probes"));
            figures.add(Figure.of(FRESHNESS, "probes ingest did not acknowledge" + at, fresh.failedSends(),
                    "probes"));
        }
        if (listed != null) {
            String at = String.format(Locale.ROOT, ", 1 aggregator, %,d sessions, %s spans/s ingested%s",
                    size.storedSessions(), rate(rate), queries ? ", queries measured meanwhile" : "");
            figures.addAll(annotationFigures(ANNOTATIONS + at, "POST 202 → listed by annotation."
                    + AnnotationProbe.NAME + ".label=", listed));
            figures.addAll(annotationFigures(ANNOTATIONS + at, "POST 202 → in GET /api/v1/sessions/{id}",
                    summarized));
        }
        if (queries) {
            figures.addAll(queryFigures(String.format(Locale.ROOT, "queries, 1 aggregator, %,d sessions, %s spans/s"
                    + " ingested", size.storedSessions(), rate(rate)), latencies, queryErrors, Map.of(
                            LOOKUP, LOOKUP_TARGET_MS, RARE_LIST, QUERY_TARGET_MS, search(), QUERY_TARGET_MS,
                            FACETS, QUERY_TARGET_MS, STATS, QUERY_TARGET_MS)));
        }
        return figures;
    }

    private static List<Figure> annotationFigures(String section, String what, AnnotationProbe.Result result) {
        String name = what + (result.missed() == 0 ? ", " : " (a probe not seen within " + PROBE_GIVE_UP.toSeconds()
                + " s counts as that: a lower bound), ");
        Latencies.Summary v = result.visible();
        Latencies.Summary p = result.post();
        return List.of(
                Figure.of(section, name + "p50", v.p50(), "ms").withSamples(v.count()),
                Figure.of(section, name + "p99", v.p99(), "ms").withSamples(v.count()),
                Figure.of(section, "POST → 202 (acks=all), p50, " + what, p.p50(), "ms").withSamples(p.count()),
                Figure.of(section, "POST → 202 (acks=all), p99, " + what, p.p99(), "ms").withSamples(p.count()),
                Figure.of(section, "POSTs not answered 202, " + what, result.failedPosts(), "posts"));
    }

    /** The resident memory of an aggregator instance now (VmRSS), and its peak so far (VmHWM). */
    private static List<Figure> memory(String section, String what, BenchStack.Service aggregator) {
        long pid = aggregator.jvm().pid();
        return List.of(
                Figure.of(section, "resident memory (VmRSS), " + what, ChildJvm.rss(pid) / (double) (1 << 20),
                        "MiB"),
                Figure.of(section, "peak resident memory (VmHWM), " + what, ChildJvm.peakRss(pid)
                        / (double) (1 << 20), "MiB"));
    }

    /**
     * Stops the instance, wipes its state directory and starts it again on the same directory, with no load; adds the
     * time until its list answers 200 (the stores restored from their changelogs, the session index rebuilt from
     * them), the sessions it then counts, and its memory. Returns the new instance.
     */
    private BenchStack.Service rebuild(BenchStack.Service instance, String applicationId, BenchStack.Topics topics,
            String section, List<Figure> figures) throws IOException, InterruptedException {
        Path stateDir = stack.stateDir(instance.name());
        stack.stop(instance);
        Utils.delete(stateDir.toFile());
        out.accept("Aggregator 1 stopped and its state directory wiped; starting it again...");
        long start = System.nanoTime();
        BenchStack.Service restarted = stack.startAggregator("aggregator 1, restarted with a wiped state directory",
                stateDir, applicationId, topics);
        ApiClient api = stack.api(restarted);
        AtomicLong readyAfter = new AtomicLong(-1);
        AtomicReference<String> last = new AtomicReference<>("no answer");
        Map<Integer, Long> before = new ConcurrentSkipListMap<>();
        boolean listed = Poll.until(REBUILD_TIMEOUT, REBUILD_POLL, () -> {
            restarted.jvm().requireAlive();
            if (readyAfter.get() < 0 && status(api, "/readyz", last) == 200) {
                readyAfter.set(System.nanoTime() - start);
            }
            int status = status(api, LIST, last);
            if (status != 200) {
                before.merge(status, 1L, Long::sum);
            }
            return status == 200;
        });
        double seconds = (System.nanoTime() - start) / 1e9;
        if (!listed) {
            throw new IllegalStateException("The restarted aggregator's list did not answer 200 within "
                    + REBUILD_TIMEOUT.toMinutes() + " min; last answer: " + last.get() + "; see "
                    + restarted.jvm().log());
        }
        long sessions = sessions(api, false);
        out.accept(String.format(Locale.ROOT, "  ready after %.1f s, list answered 200 after %.1f s (before that, by"
                + " status, 0 for no answer: %s), counting %,d sessions", readyAfter.get() / 1e9, seconds, before,
                sessions));
        figures.add(Figure.of(section, "restart with a wiped state directory → GET /readyz answers 200",
                readyAfter.get() < 0 ? Double.NaN : readyAfter.get() / 1e9, "s"));
        figures.add(Figure.of(section, "restart with a wiped state directory → GET " + LIST + " answers 200",
                seconds, "s").withTargets(Target.atMost(REBUILD_TARGET_S)));
        figures.add(Figure.of(section, "sessions counted by GET /api/v1/stats when the list first answered 200",
                sessions, "sessions").withTargets(Target.atLeast(size.storedSessions())));
        figures.addAll(memory(section, "aggregator 1 after the rebuild", restarted));
        return restarted;
    }

    /** The status of a GET; 0 when the service does not answer (not listening yet). */
    private static int status(ApiClient api, String path, AtomicReference<String> last) {
        try {
            AggregatedHttpResponse response = api.getNow(path, false);
            last.set(path + ": " + response.status());
            return response.status().code();
        } catch (CompletionException e) {
            last.set(path + ": " + Exceptions.peel(e));
            return 0;
        }
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
                OWNERSHIP_SAMPLE, ownedByFirst.size(), ownedBySecond.size(), rate(QUERY_RATE),
                size.queriesWarmup().toSeconds(), size.queriesDuration().toSeconds()));
        if (ownedByFirst.isEmpty() || ownedBySecond.isEmpty()) {
            throw new IllegalStateException("One instance owns none of the sampled sessions; cannot measure both"
                    + " local and forwarded lookups");
        }
        QueryProbe query = new QueryProbe(List.of(
                new QueryProbe.Query("local lookup", first, () -> pick(ownedByFirst)),
                new QueryProbe.Query("forwarded lookup", first, () -> pick(ownedBySecond)),
                new QueryProbe.Query(search(), first, () -> "/api/v1/sessions?q=" + searchWord()),
                new QueryProbe.Query(LIST_PAGE, first, () -> LIST)), QUERY_PACE);
        Map<String, Latencies> latencies;
        try (BenchLoad load = new BenchLoad(Protocol.HTTP, ingest.port(), new Traffic(17, BenchLoad.SHAPE,
                "load2-" + run), QUERY_RATE, size.queriesWarmup(), UNTIL_STOPPED)) {
            load.start(out);
            Thread.sleep(size.queriesWarmup().toMillis());
            query.start();
            Thread.sleep(size.queriesDuration().toMillis());
            latencies = query.stop();
            out.accept(load.stop().describe());
        }
        return queryFigures(String.format(Locale.ROOT, "queries, 2 aggregators, %,d sessions",
                size.storedSessions()), latencies, query.errorsByQuery(), Map.of("local lookup", LOOKUP_TARGET_MS));
    }

    /**
     * p50 and p99 of each query, the p99 of a query in {@code targets} with that bound in milliseconds; how many of
     * each were answered other than 200, by status (0: no answer), where some were; and how many in all.
     */
    static List<Figure> queryFigures(String section, Map<String, Latencies> latencies,
            Map<String, Map<Integer, Long>> errors, Map<String, Double> targets) {
        List<Figure> figures = new ArrayList<>();
        latencies.forEach((name, l) -> {
            Latencies.Summary s = l.summary();
            figures.add(Figure.of(section, name + " p50", s.p50(), "ms").withSamples(s.count()));
            Figure p99 = Figure.of(section, name + " p99", s.p99(), "ms").withSamples(s.count());
            figures.add(targets.containsKey(name) ? p99.withTargets(Target.atMost(targets.get(name))) : p99);
            Map<Integer, Long> statuses = errors.getOrDefault(name, Map.of());
            if (!statuses.isEmpty()) {
                figures.add(Figure.of(section, name + " answered other than 200 (" + statuses.entrySet().stream()
                        .map(e -> (e.getKey() == 0 ? "no answer" : e.getKey()) + ": " + e.getValue())
                        .collect(Collectors.joining(", ")) + ")", statuses.values().stream()
                        .mapToLong(Long::longValue).sum(), "requests"));
            }
        });
        figures.add(Figure.of(section, "queries answered other than 200", errors.values().stream()
                .flatMap(e -> e.values().stream()).mapToLong(Long::longValue).sum(), "requests"));
        return figures;
    }

    private String storedSession() {
        return "/api/v1/sessions/" + stored.sessionId(ThreadLocalRandom.current().nextLong(stored.count()));
    }

    private static String search() {
        return "search q=" + searchWord();
    }

    private static String pick(List<String> paths) {
        return paths.get(ThreadLocalRandom.current().nextInt(paths.size()));
    }

    private static String rate(double rate) {
        return String.format(Locale.ROOT, "%,.0f", rate);
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

    /**
     * Waits, for {@value #CATCH_UP_MINUTES} minutes at most, until the aggregator has read the spans topic to the end
     * (but for the transaction markers, one per partition), so that a measurement does not start with the backlog of
     * the one before.
     */
    private void awaitCaughtUp(LongSupplier lag) throws InterruptedException {
        AtomicLong behind = new AtomicLong();
        boolean caughtUp = Poll.until(Duration.ofMinutes(CATCH_UP_MINUTES), Duration.ofSeconds(1), () -> {
            behind.set(lag.getAsLong());
            return behind.get() >= 0 && behind.get() <= CAUGHT_UP_RECORDS;
        });
        if (!caughtUp) {
            out.accept(String.format(Locale.ROOT, "  the aggregator is still %,d records behind after %d min;"
                    + " measuring anyway", behind.get(), CATCH_UP_MINUTES));
        }
    }

    /** Waits until the API counts at least {@code expected} sessions: ten minutes, and a second per 1,000. */
    private void awaitSessions(ApiClient api, long expected) throws InterruptedException {
        AtomicLong lastReport = new AtomicLong(System.nanoTime());
        AtomicLong sessions = new AtomicLong();
        Duration timeout = Duration.ofMinutes(10).plusSeconds(expected / 1_000);
        boolean caughtUp = Poll.until(timeout, Duration.ofSeconds(1), () -> {
            sessions.set(sessions(api, false));
            if (System.nanoTime() - lastReport.get() > 5_000_000_000L) {
                out.accept(String.format(Locale.ROOT, "  %,d of %,d sessions", sessions.get(), expected));
                lastReport.set(System.nanoTime());
            }
            return sessions.get() >= expected;
        });
        if (!caughtUp) {
            throw new IllegalStateException("The aggregator holds " + sessions.get() + " of " + expected
                    + " sessions after " + timeout.toMinutes() + " min");
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
            return sessionCount(api.json("/api/v1/stats", localOnly));
        } catch (RuntimeException e) {
            return -1;
        }
    }

    /** The sessions of a stats answer: {@code totals.sessions}, or {@code sessions} in the all-time stats of old. */
    static long sessionCount(JsonNode stats) {
        return (stats.has("totals") ? stats.path("totals") : stats).path("sessions").asLong(-1);
    }
}
