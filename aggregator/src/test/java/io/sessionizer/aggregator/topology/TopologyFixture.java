package io.sessionizer.aggregator.topology;

import io.sessionizer.aggregator.AggregatorApp;
import io.sessionizer.aggregator.AggregatorSettings;
import io.sessionizer.aggregator.index.SessionIndexStore;
import io.sessionizer.aggregator.query.SessionReader;
import io.sessionizer.config.Config;
import io.sessionizer.config.RegistrySettings;
import io.sessionizer.schemas.SessionAnnotation;
import io.sessionizer.schemas.SessionEvent;
import io.sessionizer.schemas.SessionSummary;
import io.sessionizer.schemas.Turn;
import io.sessionizer.schemas.registry.SchemaRegistryClient;
import io.sessionizer.schemas.serde.ConfluentAvroSerde;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The production topology in a TopologyTestDriver, built by {@link SessionTopology#build} with
 * {@link AggregatorApp#streamsProperties}, with its topics typed as the consumers of the published topics read them.
 * Used by this module's topology tests and, through the test-jar, by the benchmarks.
 */
public final class TopologyFixture implements AutoCloseable {
    /** The driver's wall clock at the start. */
    public static final Instant START = Instant.parse("2026-11-23T10:00:00Z");

    private final Config config;
    private final TopologyTestDriver driver;
    private final TestInputTopic<String, byte[]> spans;
    private final TestInputTopic<String, byte[]> logs;
    private final TestInputTopic<String, SessionAnnotation> annotations;
    private final TestOutputTopic<String, SessionSummary> sessions;
    private final TestOutputTopic<String, Turn> turns;
    private final TestOutputTopic<String, SessionEvent> events;
    private final TestOutputTopic<byte[], byte[]> deadLetters;

    private TopologyFixture(Config config) {
        this.config = config;
        driver = new TopologyTestDriver(SessionTopology.build(config), AggregatorApp.streamsProperties(config, 8080),
                START);
        spans = driver.createInputTopic(config.get(AggregatorSettings.SPANS_TOPIC), new StringSerializer(),
                new ByteArraySerializer());
        logs = driver.createInputTopic(config.get(AggregatorSettings.LOGS_TOPIC), new StringSerializer(),
                new ByteArraySerializer());
        SchemaRegistryClient registry = RegistrySettings.fromConfig(config);
        annotations = driver.createInputTopic(config.get(AggregatorSettings.ANNOTATIONS_TOPIC), new StringSerializer(),
                ConfluentAvroSerde.forValue(registry, SessionAnnotation.class).serializer());
        sessions = driver.createOutputTopic(config.get(AggregatorSettings.SESSIONS_TOPIC), new StringDeserializer(),
                ConfluentAvroSerde.forValue(registry, SessionSummary.class).deserializer());
        turns = driver.createOutputTopic(config.get(AggregatorSettings.TURNS_TOPIC), new StringDeserializer(),
                ConfluentAvroSerde.forValue(registry, Turn.class).deserializer());
        events = driver.createOutputTopic(config.get(AggregatorSettings.EVENTS_TOPIC), new StringDeserializer(),
                ConfluentAvroSerde.forValue(registry, SessionEvent.class).deserializer());
        deadLetters = raw(config.get(AggregatorSettings.DLQ_TOPIC));
    }

    /**
     * The topology of the default settings with {@code settings} over them, its state in {@code stateDir} and a
     * schema registry of its own.
     */
    public static TopologyFixture start(Path stateDir, Map<String, String> settings) {
        Map<String, String> all = new HashMap<>(Map.of(
                "state.dir", stateDir.toString(),
                "application.id", "topology-test",
                "schema.registry.url", "mem://" + UUID.randomUUID(),
                // The driver's wall clock stands still between records: the index shows each commit's changes.
                "index.refresh-interval", "0ms"));
        all.putAll(settings);
        return new TopologyFixture(Config.load(AggregatorSettings.all(), Map.of(), all));
    }

    public Config config() {
        return config;
    }

    public TopologyTestDriver driver() {
        return driver;
    }

    /** The input: OTLP export requests keyed by trace id. */
    public TestInputTopic<String, byte[]> spans() {
        return spans;
    }

    /** The GenAI log records: OTLP logs export requests keyed by trace id. */
    public TestInputTopic<String, byte[]> logs() {
        return logs;
    }

    /** The annotations, as the annotations API writes them, keyed {@code {tenant}/{session_id}}. */
    public TestInputTopic<String, SessionAnnotation> annotations() {
        return annotations;
    }

    public TestOutputTopic<String, SessionSummary> sessions() {
        return sessions;
    }

    public TestOutputTopic<String, Turn> turns() {
        return turns;
    }

    public TestOutputTopic<String, SessionEvent> events() {
        return events;
    }

    public TestOutputTopic<byte[], byte[]> deadLetters() {
        return deadLetters;
    }

    /** An output topic as bytes; records read here are gone from the typed topic of the same name. */
    public TestOutputTopic<byte[], byte[]> raw(String topic) {
        return driver.createOutputTopic(topic, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    public <K, V> KeyValueStore<K, V> store(String name) {
        return driver.getKeyValueStore(name);
    }

    /**
     * The stores of this topology as the one partition of a {@link SessionReader}, once the index has applied every
     * change handed over so far (it does so on a thread of its own).
     */
    public SessionReader.Partition partition() {
        index().awaitApplied();
        return new SessionReader.Partition(store(SessionTopology.SESSIONS_STORE),
                store(SessionTopology.TRANSCRIPTS_STORE), index(), store(SessionTopology.ANNOTATIONS_STORE));
    }

    /** The session index of the topology's one task. */
    public SessionIndexStore index() {
        return (SessionIndexStore) driver.getStateStore(SessionTopology.SESSION_INDEX_STORE);
    }

    @Override
    public void close() {
        // The driver closes a task's stores only from the thread that created it (it skips them, with a warning,
        // under JUnit's timeout thread), then deletes the state directory: the index's thread must be done by then.
        index().close();
        driver.close();
    }
}
