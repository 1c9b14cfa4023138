package io.sessionizer.bench.suite;

import com.linecorp.armeria.common.AggregatedHttpResponse;
import io.sessionizer.loadgen.Latencies;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * Query latency as a client sees it: each kind of query asked by a thread of its own, one request at a time, one every
 * {@code pace}, each timed from sending to the whole answer, so that a slow kind (a search) does not starve the
 * others of samples. A query answered other than 200 counts as an error of its kind and status, not as a sample.
 */
final class QueryProbe {
    /** One kind of query: its name in the report, the instance asked, and the path of each request. */
    record Query(String name, ApiClient api, Supplier<String> path) {
    }

    private final List<Query> queries;
    private final Duration pace;
    private final Map<String, Latencies> latencies = new LinkedHashMap<>();
    private final Map<String, Map<Integer, Long>> errors = new ConcurrentHashMap<>();
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean stopped;

    QueryProbe(List<Query> queries, Duration pace) {
        this.queries = List.copyOf(queries);
        this.pace = pace;
        queries.forEach(q -> latencies.put(q.name(), new Latencies()));
    }

    void start() {
        for (Query query : queries) {
            Thread thread = new Thread(() -> ask(query), "query-probe-" + query.name());
            thread.setDaemon(true);
            threads.add(thread);
            thread.start();
        }
    }

    /** Stops asking; returns the latencies by query name. */
    Map<String, Latencies> stop() throws InterruptedException {
        stopped = true;
        for (Thread thread : threads) {
            thread.join();
        }
        return latencies;
    }

    /** Queries answered other than 200, of every kind. */
    long errors() {
        return errors.values().stream().flatMap(e -> e.values().stream()).mapToLong(Long::longValue).sum();
    }

    /** Queries answered other than 200 by query name, then by status (0 for no answer), in order of status. */
    Map<String, Map<Integer, Long>> errorsByQuery() {
        Map<String, Map<Integer, Long>> copy = new LinkedHashMap<>();
        for (Query query : queries) {
            Map<Integer, Long> statuses = errors.get(query.name());
            if (statuses != null) {
                copy.put(query.name(), new TreeMap<>(statuses));
            }
        }
        return copy;
    }

    private void error(Query query, int status) {
        errors.computeIfAbsent(query.name(), name -> new ConcurrentHashMap<>()).merge(status, 1L, Long::sum);
    }

    private void ask(Query query) {
        Latencies recorded = latencies.get(query.name());
        long next = System.nanoTime();
        while (!stopped) {
            long start = System.nanoTime();
            try {
                AggregatedHttpResponse response = query.api().getNow(query.path().get(), false);
                if (response.status().code() == 200) {
                    recorded.record(System.nanoTime() - start);
                } else {
                    error(query, response.status().code());
                }
            } catch (CompletionException e) {
                error(query, 0);
            }
            // A slow answer delays the next query rather than causing a burst.
            next = Math.max(next + pace.toNanos(), System.nanoTime());
            LockSupport.parkNanos(next - System.nanoTime());
        }
    }
}
