package io.sessionizer.aggregator.http;

import io.sessionizer.aggregator.errors.RecordSizeGuard;
import io.sessionizer.schemas.SessionAnnotation;
import io.sessionizer.schemas.registry.SchemaRegistryClient;
import io.sessionizer.schemas.serde.ConfluentAvroSerde;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;

/**
 * Writes the annotations API's {@link SessionAnnotation}s to {@code topic.annotations}, keyed
 * {@code {tenant}/{session_id}}, in the Confluent wire format. Its producer has the connection and security settings
 * of the aggregator's own (the {@code kafka.*} settings, {@code producer.*} overrides included), is idempotent and
 * waits for every in-sync replica, so that a write completes only once the annotation is stored.
 */
public final class AnnotationWriter implements AutoCloseable {
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);

    private final Producer<String, SessionAnnotation> producer;
    private final String topic;

    AnnotationWriter(Producer<String, SessionAnnotation> producer, String topic) {
        this.producer = producer;
        this.topic = topic;
    }

    /**
     * @param streamsProperties the aggregator's Kafka Streams properties, whose client settings the producer takes
     * @param timeout how long a write may take at most ({@code annotations.produce-timeout})
     * @param maxValueBytes the largest value the aggregator writes ({@code record.max-bytes})
     */
    public static AnnotationWriter create(Properties streamsProperties, String topic, Duration timeout,
            SchemaRegistryClient registry, int maxValueBytes) {
        Map<String, Object> props = producerProperties(streamsProperties, timeout);
        return new AnnotationWriter(new KafkaProducer<>(props, new StringSerializer(), RecordSizeGuard.of(
                ConfluentAvroSerde.forValue(registry, SessionAnnotation.class).serializer(), maxValueBytes)), topic);
    }

    /** The producer's properties: the client settings Kafka Streams gives its own producers, then ours. */
    static Map<String, Object> producerProperties(Properties streamsProperties, Duration timeout) {
        StreamsConfig streams = new StreamsConfig(streamsProperties);
        int timeoutMs = (int) Math.min(Integer.MAX_VALUE, Math.max(1, timeout.toMillis()));
        Map<String, Object> props = new HashMap<>(streams.getProducerConfigs(
                streams.getString(StreamsConfig.APPLICATION_ID_CONFIG) + "-annotations"));
        // A client is answered only once every in-sync replica has the annotation (acknowledge only what is stored).
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        // A retry after a lost acknowledgement must not write the annotation twice.
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        // One record per request and a client waiting for it: nothing to batch (Streams' producers linger longer).
        props.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        // The producer gives up on a record when the client is answered 503, not minutes later (Streams' exactly-once
        // producers wait forever); Kafka checks delivery >= linger + request timeout.
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, timeoutMs);
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, timeoutMs);
        // send() blocks while the topic's metadata is missing; never longer than a client waits.
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, timeoutMs);
        // Streams' exactly-once setting for its transactional producers; this one writes no transactions.
        props.remove(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG);
        return props;
    }

    /**
     * Sends the record; completes once it is stored, or exceptionally with any error (Kafka unreachable, the delivery
     * timeout, a registry that cannot be reached). Blocks at most {@code max.block.ms} while the topic's metadata or
     * the value's schema id is missing, so call it off the event loop.
     */
    public CompletableFuture<RecordMetadata> write(String key, SessionAnnotation value) {
        CompletableFuture<RecordMetadata> stored = new CompletableFuture<>();
        try {
            producer.send(new ProducerRecord<>(topic, key, value), (metadata, error) -> {
                if (error != null) {
                    stored.completeExceptionally(error);
                } else {
                    stored.complete(metadata);
                }
            });
        } catch (RuntimeException e) {
            // The serializer's errors (the registry unreachable) and a closed producer are thrown, not called back.
            stored.completeExceptionally(e);
        }
        return stored;
    }

    public String topic() {
        return topic;
    }

    @Override
    public void close() {
        producer.close(CLOSE_TIMEOUT);
    }
}
