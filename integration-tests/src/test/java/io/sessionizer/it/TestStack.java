package io.sessionizer.it;

import io.sessionizer.aggregator.AggregatorApp;
import io.sessionizer.aggregator.AggregatorFixture;
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
        // The logs and annotations topics AggregatorFixture names, co-partitioned with the spans.
        String logsTopic = spansTopic + ".logs";
        kafka.createTopics(PARTITIONS, spansTopic, logsTopic, spansTopic + ".annotations");
        Map<String, String> ingestSettings = new HashMap<>(shared);
        ingestSettings.putAll(Map.of(
                "http.port", "0",
                "grpc.port", "0",
                "topic.spans", spansTopic,
                "topic.logs", logsTopic,
                "kafka.bootstrap.servers", kafka.bootstrapServers()));
        IngestServer ingest = IngestServer.start(Config.load(IngestSettings.all(), Map.of(), ingestSettings));
        Map<String, String> aggregatorSettings = AggregatorFixture.settings(kafka, stateDir, spansTopic, shared);
        return new TestStack(ingest, AggregatorFixture.start(aggregatorSettings), aggregatorSettings);
    }
}
