package io.sessionizer.bench.suite;

import io.sessionizer.ingest.kafka.ProducerSettings;
import io.sessionizer.loadgen.LoadResult;
import io.sessionizer.loadgen.LoadStats;
import io.sessionizer.loadgen.SendFailure;
import io.sessionizer.loadgen.Signal;
import io.sessionizer.loadgen.Traffic;
import io.sessionizer.schemas.records.RecordContract;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * The limit of the ingest section: a plain Kafka producer, configured as ingest configures its own, sending the
 * records ingest writes for the same traffic (one per trace, same key, value and tenant header, so the same bytes; the
 * spans of {@code otlp_spans} or the log records of {@code otlp_logs}) as
 * fast as the broker acknowledges them, with as many bytes in flight as ingest allows itself.
 */
final class ProducerBaseline {
    /** Ingest's defaults: producer.send-timeout, http.max-request-size and producer.max-in-flight-bytes. */
    private static final Duration SEND_TIMEOUT = Duration.ofSeconds(5);
    private static final long MAX_REQUEST_BYTES = 16L << 20;
    private static final int MAX_IN_FLIGHT_KIB = 64 << 10;
    private static final byte[] TENANT = "default".getBytes(StandardCharsets.UTF_8);

    private ProducerBaseline() {
    }

    /** Sends for {@code warmup}, then measures for {@code duration}: spans and value bytes acknowledged per second. */
    static LoadResult run(String bootstrapServers, String topic, Traffic traffic, Duration warmup, Duration duration)
            throws InterruptedException {
        return run(bootstrapServers, topic, traffic, Signal.TRACES, warmup, duration);
    }

    /** As above for {@code signal}: for logs, the one-trace logs records ingest writes, log records per second. */
    static LoadResult run(String bootstrapServers, String topic, Traffic traffic, Signal signal, Duration warmup,
            Duration duration) throws InterruptedException {
        Map<String, Object> props = ProducerSettings.producer(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers), SEND_TIMEOUT, MAX_REQUEST_BYTES,
                (long) MAX_IN_FLIGHT_KIB << 10);
        Semaphore inFlightKib = new Semaphore(MAX_IN_FLIGHT_KIB);
        long spansPerTrace = signal.itemsPerTrace(traffic);
        long begin = System.nanoTime();
        long measureFrom = begin + warmup.toNanos();
        long end = measureFrom + duration.toNanos();
        LoadStats stats = new LoadStats(begin);
        boolean warm = warmup.isZero();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props)) {
            for (long t = 0; System.nanoTime() < end; t++) {
                if (!warm && System.nanoTime() >= measureFrom) {
                    stats = new LoadStats(System.nanoTime());
                    warm = true;
                }
                byte[] value = signal.request(traffic, t, 1, System.currentTimeMillis() * 1_000_000L).toByteArray();
                int kib = Math.min(MAX_IN_FLIGHT_KIB, value.length / 1024 + 1);
                inFlightKib.acquire(kib);
                RecordHeaders headers = new RecordHeaders();
                headers.add(new RecordHeader(RecordContract.TENANT_HEADER, TENANT));
                long sentAt = System.nanoTime();
                LoadStats current = stats;
                producer.send(new ProducerRecord<>(topic, null, traffic.traceHex(t).getBytes(StandardCharsets.UTF_8),
                        value, headers), (metadata, error) -> {
                            if (error == null) {
                                current.accepted(spansPerTrace, spansPerTrace, value.length,
                                        System.nanoTime() - sentAt);
                            } else {
                                current.failed(SendFailure.kindOf(error));
                            }
                            inFlightKib.release(kib);
                        });
            }
            producer.flush();
            inFlightKib.tryAcquire(MAX_IN_FLIGHT_KIB, 1, TimeUnit.MINUTES);
        }
        return stats.result(System.nanoTime());
    }
}
