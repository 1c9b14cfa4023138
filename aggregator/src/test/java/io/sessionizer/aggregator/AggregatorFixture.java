package io.sessionizer.aggregator;

import io.sessionizer.config.Config;
import io.sessionizer.testing.KafkaTestCluster;
import io.sessionizer.testing.TestBroker;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Aggregators on the shared test broker: each deployment with topics, an application id and a registry of its own,
 * on a free port. Used by this module's integration tests and, through the test-jar, by the cross-service tests and
 * benchmarks.
 */
public final class AggregatorFixture {
    private static final int PARTITIONS = 3;

    private AggregatorFixture() {
    }

    /**
     * The settings of an aggregator on a free port that reads {@code spansTopic} and writes output topics (created
     * here), an application id and a registry of its own; a second instance of the same deployment uses the same
     * settings with another {@code state.dir}. On a secured broker, add its client settings ({@code kafka.*}).
     */
    public static Map<String, String> settings(TestBroker kafka, Path stateDir, String spansTopic) {
        String sessionsTopic = KafkaTestCluster.uniqueName("sessions");
        String turnsTopic = KafkaTestCluster.uniqueName("turns");
        String eventsTopic = KafkaTestCluster.uniqueName("events");
        String dlqTopic = KafkaTestCluster.uniqueName("dlq");
        kafka.createTopics(PARTITIONS, sessionsTopic, turnsTopic, eventsTopic, dlqTopic);
        return Map.ofEntries(
                Map.entry("http.port", "0"),
                Map.entry("application.id", KafkaTestCluster.uniqueName("aggregator")),
                Map.entry("state.dir", stateDir.toString()),
                Map.entry("topic.spans", spansTopic),
                // Both created by the aggregator at start with the partition count of the spans topic.
                Map.entry("topic.logs", spansTopic + ".logs"),
                Map.entry("topic.annotations", spansTopic + ".annotations"),
                Map.entry("topic.sessions", sessionsTopic),
                Map.entry("topic.turns", turnsTopic),
                Map.entry("topic.events", eventsTopic),
                Map.entry("topic.dlq", dlqTopic),
                Map.entry("schema.registry.url", "mem://" + KafkaTestCluster.uniqueName("registry")),
                // Lists show each commit's changes, so that a test that saw a session can list it at once.
                Map.entry("index.refresh-interval", "0ms"),
                Map.entry("kafka.bootstrap.servers", kafka.bootstrapServers()));
    }

    /** {@link #settings(TestBroker, Path, String)} with {@code overrides} on top. */
    public static Map<String, String> settings(KafkaTestCluster kafka, Path stateDir, String spansTopic,
            Map<String, String> overrides) {
        Map<String, String> settings = new HashMap<>(settings(kafka, stateDir, spansTopic));
        settings.putAll(overrides);
        return Map.copyOf(settings);
    }

    /** An aggregator started with {@link #settings(KafkaTestCluster, Path, String, Map)}. */
    public static AggregatorApp start(KafkaTestCluster kafka, Path stateDir, String spansTopic,
            Map<String, String> overrides) {
        return start(settings(kafka, stateDir, spansTopic, overrides));
    }

    public static AggregatorApp start(Map<String, String> settings) {
        return AggregatorApp.start(Config.load(AggregatorSettings.all(), Map.of(), settings));
    }
}
