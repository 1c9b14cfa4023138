package io.sessionizer.deploy.local;

import io.sessionizer.aggregator.AggregatorSettings;
import io.sessionizer.config.Config;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;

/** The topics of DESIGN.md "Kafka topics", named as the aggregator is configured, created when missing. */
final class LocalTopics {
    /** Enough to try scaling out to a few aggregator instances against the local broker. */
    static final int PARTITIONS = 6;
    private static final short REPLICATION = 1;

    private LocalTopics() {
    }

    static List<NewTopic> topics(Config aggregator) {
        return List.of(
                new NewTopic(aggregator.get(AggregatorSettings.SPANS_TOPIC), PARTITIONS, REPLICATION),
                // Latest summary per session: compaction keeps one record per key, tombstones drop expired ones.
                new NewTopic(aggregator.get(AggregatorSettings.SESSIONS_TOPIC), PARTITIONS, REPLICATION)
                        .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)),
                new NewTopic(aggregator.get(AggregatorSettings.TURNS_TOPIC), PARTITIONS, REPLICATION),
                new NewTopic(aggregator.get(AggregatorSettings.EVENTS_TOPIC), PARTITIONS, REPLICATION),
                new NewTopic(aggregator.get(AggregatorSettings.DLQ_TOPIC), PARTITIONS, REPLICATION));
    }

    /** Creates the topics that do not exist yet; existing ones are left as they are. Returns the names created. */
    static List<String> createMissing(Admin admin, List<NewTopic> topics) throws InterruptedException {
        try {
            Set<String> existing = admin.listTopics().names().get();
            List<NewTopic> missing = topics.stream().filter(t -> !existing.contains(t.name())).toList();
            admin.createTopics(missing).all().get();
            return missing.stream().map(NewTopic::name).toList();
        } catch (ExecutionException e) {
            throw new LocalStackException("Cannot create the topics on the local broker: " + e.getCause().getMessage());
        }
    }
}
