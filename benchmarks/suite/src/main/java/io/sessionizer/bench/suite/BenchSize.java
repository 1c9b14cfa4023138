package io.sessionizer.bench.suite;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How long and how big each section runs: the default size (the figures of BENCHMARKS.md, about ten minutes on two
 * cores) or a quick smoke run.
 *
 * @param ingestWarmup sent before each ingest measurement without counting
 * @param backlogSpans the aggregator section's backlog
 * @param storedSessions sessions stored before the freshness and query measurements
 */
record BenchSize(String name, Duration ingestWarmup, Duration ingestDuration, long backlogSpans,
        int storedSessions, Duration freshnessWarmup, Duration freshnessDuration, Duration queriesWarmup,
        Duration queriesDuration) {

    static final BenchSize DEFAULT = new BenchSize("default", Duration.ofSeconds(10), Duration.ofSeconds(30),
            1_000_000, 1_000_000, Duration.ofSeconds(15), Duration.ofSeconds(60), Duration.ofSeconds(10),
            Duration.ofSeconds(40));
    static final BenchSize QUICK = new BenchSize("quick", Duration.ofSeconds(3), Duration.ofSeconds(10),
            100_000, 10_000, Duration.ofSeconds(5), Duration.ofSeconds(15), Duration.ofSeconds(5),
            Duration.ofSeconds(10));

    /** This size with another number of stored sessions. */
    BenchSize withStoredSessions(int sessions) {
        return new BenchSize(name, ingestWarmup, ingestDuration, backlogSpans, sessions, freshnessWarmup,
                freshnessDuration, queriesWarmup, queriesDuration);
    }

    /** This size with another backlog for the aggregator section. */
    BenchSize withBacklogSpans(long spans) {
        return new BenchSize(name, ingestWarmup, ingestDuration, spans, storedSessions, freshnessWarmup,
                freshnessDuration, queriesWarmup, queriesDuration);
    }

    Map<String, Object> settings() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("size", name);
        s.put("ingest_warmup_s", ingestWarmup.toSeconds());
        s.put("ingest_duration_s", ingestDuration.toSeconds());
        s.put("backlog_spans", backlogSpans);
        s.put("stored_sessions", storedSessions);
        s.put("freshness_warmup_s", freshnessWarmup.toSeconds());
        s.put("freshness_duration_s", freshnessDuration.toSeconds());
        s.put("queries_warmup_s", queriesWarmup.toSeconds());
        s.put("queries_duration_s", queriesDuration.toSeconds());
        return s;
    }
}
