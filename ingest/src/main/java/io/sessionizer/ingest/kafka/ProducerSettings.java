package io.sessionizer.ingest.kafka;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** The producer properties of ingest: its own defaults, with the user's Kafka properties laid over them. */
public final class ProducerSettings {
    static final String DEFAULT_BOOTSTRAP_SERVERS = "localhost:9092";
    static final int LINGER_MS = 5;
    /** Room for the key, the tenant header and the record and batch envelopes around the largest value. */
    static final long RECORD_OVERHEAD_BYTES = 64 * 1024;

    private ProducerSettings() {
    }

    /**
     * @param sendTimeout how long a client waits for its answer; the producer gives up on a record by then
     * @param maxRecordBytes the largest record value the pipeline writes ({@code record.max-bytes})
     * @param maxInFlightBytes the in-flight limit of the pipeline
     */
    public static Map<String, Object> producer(Map<String, String> userProperties, Duration sendTimeout,
            long maxRecordBytes, long maxInFlightBytes) {
        long timeoutMs = sendTimeout.toMillis();
        Map<String, Object> props = new HashMap<>();
        // The local stack's broker; any real deployment sets KAFKA_BOOTSTRAP_SERVERS.
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, DEFAULT_BOOTSTRAP_SERVERS);
        // Names the producer in broker logs, metrics and quotas.
        props.put(ProducerConfig.CLIENT_ID_CONFIG, "sessionizer-ingest");
        // A client is answered only once every in-sync replica has the data (acknowledge only what is stored).
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        // Producer retries must neither duplicate nor reorder the spans of a trace.
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        // OTLP protobuf repeats attribute keys and resources; lz4 shrinks it well for little CPU.
        props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        // A request becomes many small per-trace records: a short linger batches them, well below HTTP latency.
        props.put(ProducerConfig.LINGER_MS_CONFIG, LINGER_MS);
        // Bigger batches than the 16 KiB default carry a 512-span request in a few produce requests.
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        // The pipeline keeps every value within record.max-bytes; this admits exactly that plus the envelope, so the
        // 960KiB default gives the 1MiB that brokers accept by default (a batch of small records may be as large).
        props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, (int) Math.min(Integer.MAX_VALUE,
                Math.max(1024 * 1024, maxRecordBytes + RECORD_OVERHEAD_BYTES)));
        // The producer gives up on a record when the client is answered 503, not minutes later.
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) timeoutMs);
        // Must fit in the delivery timeout with the linger (Kafka checks delivery >= linger + request timeout).
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.max(1, timeoutMs - LINGER_MS));
        // send() blocks while metadata is missing; never longer than a client waits.
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, timeoutMs);
        // Above the in-flight limit, so the pipeline answers 429 before send() could block on a full buffer, and
        // never below the largest record, which the producer would refuse.
        props.put(ProducerConfig.BUFFER_MEMORY_CONFIG, Math.max(Math.max(32L * 1024 * 1024, 2 * maxInFlightBytes),
                2 * (maxRecordBytes + RECORD_OVERHEAD_BYTES)));
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        props.putAll(userProperties);
        return props;
    }

    /** The admin client of the readiness probe: the user's connection and security properties, nothing else. */
    public static Map<String, Object> admin(Map<String, String> userProperties, Duration timeout) {
        Map<String, Object> props = new HashMap<>();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, DEFAULT_BOOTSTRAP_SERVERS);
        props.put(AdminClientConfig.CLIENT_ID_CONFIG, "sessionizer-ingest-readiness");
        // A probe must fail within its own timeout instead of retrying for the 60 s default.
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        userProperties.forEach((key, value) -> {
            // Producer-only properties would make the admin client log a warning on every start.
            if (AdminClientConfig.configNames().contains(key)) {
                props.put(key, value);
            }
        });
        return props;
    }
}
