package io.sessionizer.bench;

import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.LogDirDescription;
import org.apache.kafka.common.Node;

/**
 * The bytes each topic holds in the brokers' log directories (the Admin client's {@code describeLogDirs}: every
 * replica's log segments, record batches as written, compressed, with their headers and transaction markers). Taken
 * before and after an application ran, the difference is what it wrote, provided that nothing was deleted or compacted
 * meanwhile: the applications measured here keep their internal topics in segments of
 * {@value #SEGMENT_BYTES} bytes, so that no segment rolls, and the cleaner and the repartition purge, which only
 * remove whole segments, remove nothing.
 */
public record TopicBytes(Map<String, Long> byTopic) {
    /** Segment size of the measured applications' internal topics: 1 GiB, so that none rolls during a run. */
    public static final int SEGMENT_BYTES = 1 << 30;
    /** Segment age of the measured applications' internal topics: a day, for the same reason. */
    public static final long SEGMENT_MS = TimeUnit.DAYS.toMillis(1);

    public TopicBytes {
        byTopic = Collections.unmodifiableMap(new TreeMap<>(byTopic));
    }

    /** The bytes of every topic, summed over its partitions (and replicas) on every broker. */
    public static TopicBytes measure(Admin admin) throws Exception {
        List<Integer> brokers = admin.describeCluster().nodes().get(30, TimeUnit.SECONDS).stream().map(Node::id)
                .collect(Collectors.toList());
        Map<String, Long> bytes = new HashMap<>();
        for (Map<String, LogDirDescription> dirs : admin.describeLogDirs(brokers).allDescriptions()
                .get(30, TimeUnit.SECONDS).values()) {
            for (LogDirDescription dir : dirs.values()) {
                dir.replicaInfos().forEach((partition, replica) -> bytes.merge(partition.topic(), replica.size(),
                        Long::sum));
            }
        }
        return new TopicBytes(bytes);
    }

    /** A topic's bytes; 0 when it does not exist. */
    public long of(String topic) {
        return byTopic.getOrDefault(topic, 0L);
    }

    /** What each topic that {@code topics} selects gained since {@code before}, topics that gained nothing left out. */
    public Map<String, Long> grownSince(TopicBytes before, Predicate<String> topics) {
        Map<String, Long> grown = new TreeMap<>();
        byTopic.forEach((topic, bytes) -> {
            long gained = bytes - before.of(topic);
            if (topics.test(topic) && gained > 0) {
                grown.put(topic, gained);
            }
        });
        return grown;
    }
}
