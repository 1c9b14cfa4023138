package io.sessionizer.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.apache.kafka.common.utils.Utils;

/**
 * One real single-node KRaft broker per test JVM, started on first use and stopped when the JVM exits. Tests share
 * it and keep apart by giving each test its own topics ({@link #uniqueName}).
 *
 * <p>This wraps Kafka's internal test kit ({@code kafka-test-common-runtime}) so that no test depends on it directly.
 *
 * <p>The broker's data directory is ours, not the kit's: left to itself, the kit makes a temporary directory that a
 * shutdown hook of its own deletes. JVM shutdown hooks run concurrently, so that hook deleted the log directories
 * of a broker that was still running or closing; the broker took it for a disk failure and called
 * {@code Exit.halt(1)} ({@code LogManager.handleLogDirFailure}), and Surefire reported the test JVM's exit code 1 as
 * "Error occurred in starting fork" after every test had passed. Here one hook closes the broker, then deletes its
 * directory.
 */
public final class KafkaTestCluster implements TestBroker {
    private static KafkaTestCluster shared;

    private final KafkaClusterTestKit kit;
    private final Path dataDir;

    private KafkaTestCluster(KafkaClusterTestKit kit, Path dataDir) {
        this.kit = kit;
        this.dataDir = dataDir;
    }

    /** The broker shared by every test of this JVM. */
    public static synchronized KafkaTestCluster shared() {
        if (shared == null) {
            shared = start();
            KafkaTestCluster cluster = shared;
            Runtime.getRuntime().addShutdownHook(new Thread(cluster::stop, "kafka-test-cluster-stop"));
        }
        return shared;
    }

    /** A broker of its own, for a test that stops it (the caller closes it). */
    public static KafkaTestCluster start() {
        try {
            Path dataDir = Files.createTempDirectory("sessionizer-test-kafka-");
            KafkaClusterTestKit kit = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder()
                    .setBaseDirectory(dataDir)
                    .setCombined(true)
                    .setNumBrokerNodes(1)
                    .setNumControllerNodes(1)
                    .build())
                    // One broker: internal topics (transactions, offsets) cannot have more replicas.
                    .setConfigProp("offsets.topic.replication.factor", "1")
                    .setConfigProp("transaction.state.log.replication.factor", "1")
                    .setConfigProp("transaction.state.log.min.isr", "1")
                    .setConfigProp("group.initial.rebalance.delay.ms", "0")
                    .build();
            kit.format();
            kit.startup();
            kit.waitForReadyBrokers();
            return new KafkaTestCluster(kit, dataDir);
        } catch (Exception e) {
            throw new IllegalStateException("Cannot start the in-JVM Kafka cluster", e);
        }
    }

    @Override
    public String bootstrapServers() {
        return kit.bootstrapServers();
    }

    /** Creates topics with the given partition count; compacted when the name ends with {@code sessions}. */
    @Override
    public void createTopics(int partitions, String... names) {
        try (Admin admin = admin()) {
            List<NewTopic> topics = java.util.Arrays.stream(names)
                    .map(n -> new NewTopic(n, partitions, (short) 1))
                    .map(t -> t.name().endsWith("sessions")
                            ? t.configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT))
                            : t)
                    .toList();
            admin.createTopics(topics).all().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("Cannot create topics " + List.of(names), e);
        }
    }

    public Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers()));
    }

    /**
     * The committed records of {@code topic} from its start, read as a downstream consumer would
     * ({@code read_committed}): at least {@code count} of them, waiting at most {@code timeout}.
     *
     * @throws AssertionError when fewer arrived in time
     */
    public List<ConsumerRecord<byte[], byte[]>> consume(String topic, int count, Duration timeout) {
        try (KafkaConsumer<byte[], byte[]> consumer = reader(topic)) {
            return atLeast(consumer, topic, count, timeout);
        }
    }

    /** Polls a consumer subscribed to {@code topic} until it has {@code count} records or {@code timeout} passed. */
    static List<ConsumerRecord<byte[], byte[]>> atLeast(KafkaConsumer<byte[], byte[]> consumer, String topic,
            int count, Duration timeout) {
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (records.size() < count) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("Only " + records.size() + " of " + count + " records reached " + topic
                        + " within " + timeout);
            }
            consumer.poll(Duration.ofMillis(200)).forEach(records::add);
        }
        return records;
    }

    /** The committed records of {@code topic} from its start, read until none has come for {@code quiet}. */
    public List<ConsumerRecord<byte[], byte[]>> consumeUntilQuiet(String topic, Duration quiet) {
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = reader(topic)) {
            long quietSince = System.nanoTime();
            while (System.nanoTime() - quietSince < quiet.toNanos()) {
                var polled = consumer.poll(Duration.ofMillis(200));
                if (!polled.isEmpty()) {
                    polled.forEach(records::add);
                    quietSince = System.nanoTime();
                }
            }
        }
        return records;
    }

    private KafkaConsumer<byte[], byte[]> reader(String topic) {
        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, uniqueName(topic + "-reader"),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
        consumer.subscribe(List.of(topic));
        return consumer;
    }

    /** A name no other test uses: {@code prefix-<random>}; valid as a topic name and an application id. */
    public static String uniqueName(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** Stops the broker but keeps its data, port and controller, for an outage test; {@link #startBroker} ends it. */
    public void stopBroker() {
        kit.brokers().values().forEach(broker -> {
            broker.shutdown();
            broker.awaitShutdown();
        });
    }

    /** Starts the broker stopped by {@link #stopBroker} again, on the same port, and waits until it is ready. */
    public void startBroker() {
        try {
            kit.brokers().values().forEach(broker -> broker.startup());
            kit.waitForReadyBrokers();
        } catch (Exception e) {
            throw new IllegalStateException("Cannot restart the in-JVM Kafka broker", e);
        }
    }

    /** Stops the broker, then deletes its data directory. */
    public void stop() {
        try {
            kit.close();
            Utils.delete(dataDir.toFile());
        } catch (Exception e) {
            throw new IllegalStateException("Cannot stop the in-JVM Kafka cluster", e);
        }
    }
}
