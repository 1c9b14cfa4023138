package io.sessionizer.aggregator.query;

import io.sessionizer.aggregator.topology.SessionTopology;
import io.sessionizer.schemas.SessionSummary;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import io.sessionizer.aggregator.topology.Tenants;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.TaskMetadata;
import org.apache.kafka.streams.ThreadMetadata;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/** Reads sessions from this instance's state stores; never waits for a store to become queryable. */
public final class SessionQueryService {
    private volatile KafkaStreams streams;
    private volatile HostInfo self;

    /**
     * Attaches the Streams instance once it exists: it is created after the HTTP server has bound its port, because
     * that port is part of {@code application.server}.
     *
     * @param self this instance's {@code application.server}
     */
    public void attach(KafkaStreams streams, HostInfo self) {
        this.self = self;
        this.streams = streams;
    }

    /**
     * The instance that owns a session when it is another one; empty when this instance does (or would, for a
     * session that does not exist).
     *
     * @throws StateUnavailableException while ownership is unknown (rebalancing) or the owner is down
     */
    public Optional<HostInfo> remoteOwner(String tenant, String sessionId) {
        KafkaStreams current = running();
        KeyQueryMetadata metadata = current.queryMetadataForKey(SessionTopology.SESSIONS_STORE,
                Tenants.sessionKey(tenant, sessionId), new StringSerializer());
        if (metadata == null || KeyQueryMetadata.NOT_AVAILABLE.equals(metadata)
                || HostInfo.unavailable().equals(metadata.activeHost())) {
            throw new StateUnavailableException("The owner of session '" + sessionId + "' is not known right now"
                    + " (rebalancing)", null);
        }
        return metadata.activeHost().equals(self) ? Optional.empty() : Optional.of(metadata.activeHost());
    }

    /** The other instances of this application, whose stores lists and totals gather too. */
    public List<HostInfo> peers() {
        List<HostInfo> peers = new ArrayList<>();
        for (StreamsMetadata instance : running().metadataForAllStreamsClients()) {
            if (!instance.hostInfo().equals(self) && !peers.contains(instance.hostInfo())) {
                peers.add(instance.hostInfo());
            }
        }
        return peers;
    }

    /** True when the stores can be queried: Streams is running, not restoring or rebalancing. */
    public boolean isReady() {
        KafkaStreams current = streams;
        return current != null && current.state() == KafkaStreams.State.RUNNING;
    }

    /**
     * The summary of one session.
     *
     * @throws StateUnavailableException while the store is restoring, rebalancing or not started
     */
    public Optional<SessionSummary> find(String tenant, String sessionId) {
        return reader().find(tenant, sessionId);
    }

    /**
     * A reader over this instance's stores.
     *
     * @throws StateUnavailableException while the stores are restoring, rebalancing or not started
     */
    public SessionReader reader() {
        KafkaStreams current = running();
        try {
            List<SessionReader.Partition> partitions = new ArrayList<>();
            for (int partition : localPartitions(current)) {
                partitions.add(new SessionReader.Partition(
                        store(current, SessionTopology.SESSIONS_STORE, partition),
                        store(current, SessionTopology.TRANSCRIPTS_STORE, partition),
                        store(current, SessionTopology.SESSIONS_BY_END_TIME_STORE, partition),
                        store(current, SessionTopology.SEARCH_TOKENS_STORE, partition),
                        store(current, SessionTopology.SESSION_STATS_STORE, partition)));
            }
            return new SessionReader(partitions);
        } catch (InvalidStateStoreException e) {
            throw new StateUnavailableException("Sessions are not queryable right now: " + e.getMessage(), e);
        }
    }

    private KafkaStreams running() {
        KafkaStreams current = streams;
        if (current == null) {
            throw new StateUnavailableException("Sessions are not queryable yet: the aggregator is starting", null);
        }
        if (current.state() != KafkaStreams.State.RUNNING) {
            throw new StateUnavailableException("Sessions are not queryable while the aggregator is "
                    + current.state().name().toLowerCase(Locale.ROOT), null);
        }
        return current;
    }

    /**
     * The partitions of the session stores that this instance runs: those of its active tasks that read the
     * turns-by-session topic. Lists and totals read each one, as the stores are kept per partition.
     */
    private static List<Integer> localPartitions(KafkaStreams streams) {
        String topicSuffix = "-" + SessionTopology.TURNS_BY_SESSION + "-repartition";
        List<Integer> partitions = new ArrayList<>();
        for (ThreadMetadata thread : streams.metadataForLocalThreads()) {
            for (TaskMetadata task : thread.activeTasks()) {
                if (task.topicPartitions().stream().anyMatch(tp -> tp.topic().endsWith(topicSuffix))) {
                    partitions.add(task.taskId().partition());
                }
            }
        }
        return partitions;
    }

    private static <K, V> ReadOnlyKeyValueStore<K, V> store(KafkaStreams streams, String name, int partition) {
        return streams.store(StoreQueryParameters.fromNameAndType(name, QueryableStoreTypes.<K, V>keyValueStore())
                .withPartition(partition));
    }
}
