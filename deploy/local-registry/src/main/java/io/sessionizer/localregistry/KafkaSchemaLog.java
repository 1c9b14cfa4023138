package io.sessionizer.localregistry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The registry's durable store: a compacted Kafka topic of one partition, one record per subject version, keyed and
 * valued in the JSON layout of Confluent's {@code _schemas} topic ({@code {"keytype":"SCHEMA","subject":..,
 * "version":..,"magic":1}} → {@code {"subject":..,"version":..,"id":..,"schema":..,"deleted":..}}). Records of other
 * key types are skipped on replay.
 */
final class KafkaSchemaLog implements SchemaLog, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaSchemaLog.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SCHEMA_KEY_TYPE = "SCHEMA";

    private final String bootstrapServers;
    private final Map<String, String> security;
    private final String topic;
    private final Duration timeout;
    private final KafkaProducer<byte[], byte[]> producer;

    private KafkaSchemaLog(String bootstrapServers, Map<String, String> security, String topic, Duration timeout,
            KafkaProducer<byte[], byte[]> producer) {
        this.bootstrapServers = bootstrapServers;
        this.security = Map.copyOf(security);
        this.topic = topic;
        this.timeout = timeout;
        this.producer = producer;
    }

    /**
     * Creates the topic when it is missing and opens the writer.
     *
     * @param timeout bound of each Kafka operation: topic creation, a write, reading the topic back
     */
    static KafkaSchemaLog open(String bootstrapServers, String topic, Duration timeout) {
        return open(bootstrapServers, Map.of(), topic, timeout);
    }

    /** @param security the TLS and SASL client properties, laid under the log's own */
    static KafkaSchemaLog open(String bootstrapServers, Map<String, String> security, String topic,
            Duration timeout) {
        Map<String, Object> adminProps = new LinkedHashMap<>(security);
        adminProps.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        adminProps.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        try (Admin admin = Admin.create(adminProps)) {
            ensureTopic(admin, topic, timeout);
        }
        Map<String, Object> props = new LinkedHashMap<>(security);
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        // A registration is answered only once every in-sync replica has it.
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        // A registration waits for its write: fail within the timeout with 50001 rather than after the 2 min default.
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) timeout.toMillis());
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.min(timeout.toMillis(), 30_000));
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        props.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        return new KafkaSchemaLog(bootstrapServers, security, topic, timeout, new KafkaProducer<>(props));
    }

    private static void ensureTopic(Admin admin, String topic, Duration timeout) {
        try {
            // One partition keeps the log in order; the replication factor is the broker's default.
            NewTopic newTopic = new NewTopic(topic, Optional.of(1), Optional.empty())
                    .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
            admin.createTopics(List.of(newTopic)).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            LOG.info("Created the schema topic {}", topic);
            // Not described: the brokers may not know a topic yet right after its creation.
            return;
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException("Cannot create the schema topic " + topic + ": " + e.getCause(), e);
            }
        } catch (TimeoutException e) {
            throw new IllegalStateException("Cannot create the schema topic " + topic + " within " + timeout, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while creating the schema topic " + topic, e);
        }
        TopicDescription description;
        try {
            description = admin.describeTopics(List.of(topic)).allTopicNames()
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS).get(topic);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("Cannot describe the schema topic " + topic + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while describing the schema topic " + topic, e);
        }
        if (description.partitions().size() != 1) {
            throw new IllegalStateException("The schema topic " + topic + " has " + description.partitions().size()
                    + " partitions; it must have exactly one, so that its records stay in order");
        }
    }

    /** Every entry in the topic, oldest first, the last one of each subject version winning. */
    List<SchemaEntry> readAll() {
        Map<String, Object> props = new LinkedHashMap<>(security);
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        TopicPartition partition = new TopicPartition(topic, 0);
        Map<String, SchemaEntry> entries = new LinkedHashMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long end = consumer.endOffsets(List.of(partition), timeout).get(partition);
            Instant deadline = Instant.now().plus(timeout);
            while (consumer.position(partition, timeout) < end) {
                if (Instant.now().isAfter(deadline)) {
                    throw new IllegalStateException("Cannot read the schema topic " + topic + " up to offset " + end
                            + " within " + timeout);
                }
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    read(record, entries);
                }
            }
        }
        return new ArrayList<>(entries.values());
    }

    private void read(ConsumerRecord<byte[], byte[]> record, Map<String, SchemaEntry> entries) {
        try {
            JsonNode key = JSON.readTree(record.key());
            if (key == null || !SCHEMA_KEY_TYPE.equals(key.path("keytype").asText())) {
                return;
            }
            String version = key.path("subject").asText() + "\u0000" + key.path("version").asInt();
            // Removed first, so that the map's order is that of each version's last record.
            entries.remove(version);
            if (record.value() == null) {
                return;
            }
            JsonNode value = JSON.readTree(record.value());
            entries.put(version, new SchemaEntry(value.get("subject").asText(), value.get("version").asInt(),
                    value.get("id").asInt(), value.get("schema").asText(), value.path("deleted").asBoolean(false)));
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("Unreadable record at offset " + record.offset() + " of the schema topic "
                    + topic + ": " + e, e);
        }
    }

    @Override
    public void append(SchemaEntry entry) {
        ObjectNode key = JSON.createObjectNode()
                .put("keytype", SCHEMA_KEY_TYPE)
                .put("subject", entry.subject())
                .put("version", entry.version())
                .put("magic", 1);
        ObjectNode value = JSON.createObjectNode()
                .put("subject", entry.subject())
                .put("version", entry.version())
                .put("id", entry.id())
                .put("schema", entry.schema())
                .put("deleted", entry.deleted());
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic, 0,
                key.toString().getBytes(StandardCharsets.UTF_8), value.toString().getBytes(StandardCharsets.UTF_8));
        try {
            producer.send(record).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException("Cannot write to the schema topic " + topic + ": " + e.getCause(), e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("No acknowledgement from Kafka for the schema topic " + topic + " within "
                    + timeout, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while writing to the schema topic " + topic, e);
        }
    }

    @Override
    public void close() {
        producer.close(timeout);
    }
}
