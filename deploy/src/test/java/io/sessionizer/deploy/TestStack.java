package io.sessionizer.deploy;

import io.sessionizer.aggregator.AggregatorApp;
import io.sessionizer.aggregator.AggregatorSettings;
import io.sessionizer.config.Config;
import io.sessionizer.ingest.IngestServer;
import io.sessionizer.ingest.IngestSettings;
import io.sessionizer.testing.KafkaTestCluster;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** Ingest and aggregator in this JVM on free ports, with topics and a registry of their own on the shared broker. */
public record TestStack(IngestServer ingest, AggregatorApp aggregator, Map<String, String> aggregatorSettings) {
    private static final int PARTITIONS = 3;

    public static TestStack start(KafkaTestCluster kafka, Path stateDir) {
        return start(kafka, stateDir, Map.of());
    }

    /** With {@code shared} settings given to both services, e.g. the API keys. */
    public static TestStack start(KafkaTestCluster kafka, Path stateDir, Map<String, String> shared) {
        String spansTopic = KafkaTestCluster.uniqueName("spans");
        kafka.createTopics(PARTITIONS, spansTopic);
        Map<String, String> ingestSettings = new HashMap<>(shared);
        ingestSettings.putAll(Map.of(
                "http.port", "0",
                "grpc.port", "0",
                "topic.spans", spansTopic,
                "kafka.bootstrap.servers", kafka.bootstrapServers()));
        IngestServer ingest = IngestServer.start(Config.load(IngestSettings.all(), Map.of(), ingestSettings));
        Map<String, String> aggregatorSettings = new HashMap<>(shared);
        aggregatorSettings.putAll(aggregatorSettings(kafka, stateDir, spansTopic));
        return new TestStack(ingest, startAggregator(aggregatorSettings), Map.copyOf(aggregatorSettings));
    }

    /**
     * The settings of an aggregator on a free port that reads {@code spansTopic} and writes output topics (created
     * here), an application id and a registry of its own; a second instance of the same deployment uses the same
     * settings with another {@code state.dir}.
     */
    public static Map<String, String> aggregatorSettings(KafkaTestCluster kafka, Path stateDir, String spansTopic) {
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
                Map.entry("topic.sessions", sessionsTopic),
                Map.entry("topic.turns", turnsTopic),
                Map.entry("topic.events", eventsTopic),
                Map.entry("topic.dlq", dlqTopic),
                Map.entry("schema.registry.url", "mem://" + KafkaTestCluster.uniqueName("registry")),
                Map.entry("kafka.bootstrap.servers", kafka.bootstrapServers()));
    }

    public static AggregatorApp startAggregator(Map<String, String> settings) {
        return AggregatorApp.start(Config.load(AggregatorSettings.all(), Map.of(), settings));
    }
}
