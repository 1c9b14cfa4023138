package io.sessionizer.ingest.kafka;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether Kafka is reachable, checked on a background schedule with a short timeout so that {@code /readyz} only
 * reads a flag and never waits for the broker.
 */
public final class KafkaReadiness implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaReadiness.class);

    private final Admin admin;
    private final Duration timeout;
    private final ScheduledExecutorService scheduler;
    private volatile boolean ready;
    /** Only the probe thread touches it: the first result is logged whatever it is. */
    private boolean checked;
    private volatile String lastProblem = "not checked yet";

    public KafkaReadiness(Map<String, Object> adminProperties, Duration interval, Duration timeout) {
        this.admin = Admin.create(adminProperties);
        this.timeout = timeout;
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "kafka-readiness");
            thread.setDaemon(true);
            return thread;
        });
        scheduler.scheduleWithFixedDelay(this::check, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void check() {
        try {
            int nodes = admin.describeCluster(new DescribeClusterOptions().timeoutMs((int) timeout.toMillis()))
                    .nodes().get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS).size();
            if (nodes == 0) {
                update(false, "the cluster reports no brokers");
            } else {
                update(true, null);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            update(false, cause.getClass().getSimpleName() + ": " + cause.getMessage());
        }
    }

    private void update(boolean nowReady, String problem) {
        if (!checked || nowReady != ready) {
            if (nowReady) {
                LOG.info("Kafka is reachable: ready");
            } else {
                LOG.warn("Kafka is unreachable: not ready ({})", problem);
            }
        }
        checked = true;
        lastProblem = problem;
        ready = nowReady;
    }

    public boolean isReady() {
        return ready;
    }

    /** Why the last check failed, or null when it succeeded. */
    public String lastProblem() {
        return lastProblem;
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
        // A probe still waiting for the broker is of no use once stopping.
        admin.close(Duration.ZERO);
    }
}
