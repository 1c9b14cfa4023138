package io.sessionizer.deploy.bench.suite;

import com.linecorp.armeria.common.AggregatedHttpResponse;
import io.sessionizer.deploy.bench.Latencies;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * Query latency as a client sees it: the queries asked in turn, one at a time, one every {@code pace}, each timed from
 * sending to the whole answer. A query answered other than 200 counts as an error, not as a sample.
 */
final class QueryProbe {
    /** One kind of query: its name in the report, the instance asked, and the path of each request. */
    record Query(String name, ApiClient api, Supplier<String> path) {
    }

    private final List<Query> queries;
    private final Duration pace;
    private final Map<String, Latencies> latencies = new LinkedHashMap<>();
    private final AtomicLong errors = new AtomicLong();
    private volatile boolean stopped;
    private Thread thread;

    QueryProbe(List<Query> queries, Duration pace) {
        this.queries = List.copyOf(queries);
        this.pace = pace;
        queries.forEach(q -> latencies.put(q.name(), new Latencies()));
    }

    void start() {
        thread = new Thread(this::ask, "query-probe");
        thread.setDaemon(true);
        thread.start();
    }

    /** Stops asking; returns the latencies by query name. */
    Map<String, Latencies> stop() throws InterruptedException {
        stopped = true;
        thread.join();
        return latencies;
    }

    long errors() {
        return errors.get();
    }

    private void ask() {
        long next = System.nanoTime();
        for (int i = 0; !stopped; i++) {
            Query query = queries.get(i % queries.size());
            long start = System.nanoTime();
            try {
                AggregatedHttpResponse response = query.api().getNow(query.path().get(), false);
                if (response.status().code() == 200) {
                    latencies.get(query.name()).record(System.nanoTime() - start);
                } else {
                    errors.incrementAndGet();
                }
            } catch (CompletionException e) {
                errors.incrementAndGet();
            }
            // A slow answer delays the next query rather than causing a burst.
            next = Math.max(next + pace.toNanos(), System.nanoTime());
            LockSupport.parkNanos(next - System.nanoTime());
        }
    }
}
