package io.sessionizer.launcher.local;

import io.sessionizer.aggregator.AggregatorSettings;
import io.sessionizer.config.Config;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;

/** The topics of DESIGN.md "Kafka topics", named as the aggregator is configured, created when missing. */
final class LocalTopics {
    /** Enough to try scaling out to a few aggregator instances against the local broker. */
    static final int PARTITIONS = 6;
    private static final short REPLICATION = 1;

    /** Kafka's smallest segment size. */
    private static final long MIN_SEGMENT_BYTES = 1024 * 1024;
    /** Kafka's default, which would keep a small partition's data in one segment that is never deleted. */
    private static final long MAX_SEGMENT_BYTES = 1024L * 1024 * 1024;
    /** Retention deletes whole closed segments: this many per partition make the bound tight to within a quarter. */
    private static final int SEGMENTS_PER_RETENTION = 4;

    /**
     * How long, and up to how many bytes, each of the stack's append-only topics (spans, logs, annotations, turns,
     * events, dead letters) keeps its records, whichever limit comes first. The sessions topic is compacted: it keeps each
     * session's latest summary and is bounded by the sessions' own expiry.
     */
    record Retention(Duration time, long bytesPerTopic) {
        static final Duration DEFAULT_TIME = Duration.ofHours(24);
        static final long DEFAULT_BYTES = 1024L * 1024 * 1024;
        static final Duration MIN_TIME = Duration.ofMinutes(1);
        static final long MIN_BYTES = 64L * 1024 * 1024;

        Retention {
            if (time.compareTo(MIN_TIME) < 0 || bytesPerTopic < MIN_BYTES) {
                throw new IllegalArgumentException("A retention of at least 1m and 64MiB, not " + time + " and "
                        + bytesPerTopic + " bytes");
            }
        }

        /**
         * The topic configs of a topic of {@code partitions} partitions: Kafka bounds each partition, so the topic's
         * bytes are split over them, and segments roll often enough (in size and time) that old ones can go.
         */
        Map<String, String> topicConfigs(int partitions) {
            long perPartition = Math.max(MIN_SEGMENT_BYTES, bytesPerTopic / partitions);
            long segmentBytes = Math.min(MAX_SEGMENT_BYTES,
                    Math.max(MIN_SEGMENT_BYTES, perPartition / SEGMENTS_PER_RETENTION));
            long segmentMs = Math.max(MIN_TIME.toMillis(), time.toMillis() / SEGMENTS_PER_RETENTION);
            return Map.of(
                    TopicConfig.RETENTION_MS_CONFIG, Long.toString(time.toMillis()),
                    TopicConfig.RETENTION_BYTES_CONFIG, Long.toString(perPartition),
                    TopicConfig.SEGMENT_BYTES_CONFIG, Long.toString(segmentBytes),
                    TopicConfig.SEGMENT_MS_CONFIG, Long.toString(segmentMs));
        }
    }

    private LocalTopics() {
    }

    /** The topics {@link Retention} bounds: the append-only ones. */
    static List<String> retained(Config aggregator) {
        return List.of(aggregator.get(AggregatorSettings.SPANS_TOPIC), aggregator.get(AggregatorSettings.LOGS_TOPIC),
                aggregator.get(AggregatorSettings.ANNOTATIONS_TOPIC), aggregator.get(AggregatorSettings.TURNS_TOPIC), aggregator.get(AggregatorSettings.EVENTS_TOPIC),
                aggregator.get(AggregatorSettings.DLQ_TOPIC));
    }

    /**
     * Sets the retention of these existing topics, at each start: a new {@code --retention} applies to the data
     * already there, and the broker deletes what is past it within its next check (every 5 minutes by default).
     */
    static void applyRetention(Admin admin, Collection<String> topics, Retention retention)
            throws InterruptedException {
        try {
            Map<String, TopicDescription> descriptions = admin.describeTopics(topics).allTopicNames().get();
            Map<ConfigResource, Collection<AlterConfigOp>> changes = new HashMap<>();
            descriptions.forEach((name, description) -> changes.put(
                    new ConfigResource(ConfigResource.Type.TOPIC, name),
                    retention.topicConfigs(description.partitions().size()).entrySet().stream()
                            .map(e -> new AlterConfigOp(new ConfigEntry(e.getKey(), e.getValue()),
                                    AlterConfigOp.OpType.SET))
                            .toList()));
            admin.incrementalAlterConfigs(changes).all().get();
        } catch (ExecutionException e) {
            throw new LocalStackException("Cannot set the retention of the topics " + topics + ": "
                    + e.getCause().getMessage());
        }
    }

    static List<NewTopic> topics(Config aggregator) {
        return List.of(
                new NewTopic(aggregator.get(AggregatorSettings.SPANS_TOPIC), PARTITIONS, REPLICATION),
                // As many partitions as the spans: a trace's spans and log records land on the same partition number.
                new NewTopic(aggregator.get(AggregatorSettings.LOGS_TOPIC), PARTITIONS, REPLICATION),
                // As many partitions as the spans: stage 2 reads a session's annotations in the task of the session.
                new NewTopic(aggregator.get(AggregatorSettings.ANNOTATIONS_TOPIC), PARTITIONS, REPLICATION),
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
