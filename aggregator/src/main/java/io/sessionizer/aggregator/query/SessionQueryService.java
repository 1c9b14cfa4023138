package io.sessionizer.aggregator.query;

import io.sessionizer.aggregator.index.SessionIndexType;
import io.sessionizer.aggregator.topology.SessionTopology;
import io.sessionizer.schemas.records.RecordContract;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.TaskMetadata;
import org.apache.kafka.streams.ThreadMetadata;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;
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
     * The ways to answer a request about a session, in the order to try them: the active copy of its partition first,
     * then its standbys (sorted, so every instance tries them in the same order), each local when this instance
     * keeps it, else forwarded.
     *
     * @throws StateUnavailableException while the placement is unknown (starting, or no instance holds the partition)
     */
    public List<Route> routes(String tenant, String sessionId) {
        KafkaStreams current = streams;
        if (current == null || !(current.state() == KafkaStreams.State.RUNNING
                || current.state() == KafkaStreams.State.REBALANCING)) {
            throw new StateUnavailableException("Sessions are not queryable yet: the aggregator is "
                    + (current == null ? "starting" : current.state().name().toLowerCase(Locale.ROOT)), null);
        }
        KeyQueryMetadata metadata = current.queryMetadataForKey(SessionTopology.SESSIONS_STORE,
                RecordContract.sessionKey(tenant, sessionId), new StringSerializer());
        if (metadata == null || KeyQueryMetadata.NOT_AVAILABLE.equals(metadata)) {
            throw new StateUnavailableException("The instance that keeps session '" + sessionId
                    + "' is not known right now (rebalancing)", null);
        }
        List<Route> routes = new ArrayList<>();
        if (!HostInfo.unavailable().equals(metadata.activeHost())) {
            routes.add(route(metadata.activeHost(), metadata.partition(), false));
        }
        metadata.standbyHosts().stream()
                .sorted(Comparator.comparing(HostInfo::host).thenComparing(HostInfo::port))
                .forEach(host -> routes.add(route(host, metadata.partition(), true)));
        if (routes.isEmpty()) {
            throw new StateUnavailableException("No instance keeps session '" + sessionId + "' right now", null);
        }
        return routes;
    }

    /**
     * The local route to a session's partition on this instance: its standby copy with {@code standby}, for a
     * request another instance forwarded to this one as its standby.
     */
    public Route.Local localRoute(String tenant, String sessionId, boolean standby) {
        KafkaStreams current = streams;
        if (current == null) {
            throw new StateUnavailableException("Sessions are not queryable yet: the aggregator is starting", null);
        }
        KeyQueryMetadata metadata = current.queryMetadataForKey(SessionTopology.SESSIONS_STORE,
                RecordContract.sessionKey(tenant, sessionId), new StringSerializer());
        if (metadata == null || KeyQueryMetadata.NOT_AVAILABLE.equals(metadata)) {
            throw new StateUnavailableException("The partition of session '" + sessionId
                    + "' is not known right now (rebalancing)", null);
        }
        return new Route.Local(metadata.partition(), standby);
    }

    private Route route(HostInfo host, int partition, boolean standby) {
        return host.equals(self) ? new Route.Local(partition, standby)
                : new Route.Remote(new Instance(host.host(), host.port()), standby);
    }

    /** The other instances of this application, whose stores lists and totals gather too. */
    public List<Instance> peers() {
        List<Instance> peers = new ArrayList<>();
        for (StreamsMetadata instance : running().metadataForAllStreamsClients()) {
            Instance peer = new Instance(instance.hostInfo().host(), instance.hostInfo().port());
            if (!instance.hostInfo().equals(self) && !peers.contains(peer)) {
                peers.add(peer);
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
     * A reader over this instance's stores.
     *
     * @throws StateUnavailableException while the stores are restoring, rebalancing or not started
     */
    public SessionReader reader() {
        KafkaStreams current = running();
        try {
            List<SessionReader.Partition> partitions = new ArrayList<>();
            for (int partition : localPartitions(current)) {
                partitions.add(partition(current, partition, false));
            }
            return new SessionReader(partitions);
        } catch (InvalidStateStoreException e) {
            throw new StateUnavailableException("Sessions are not queryable right now: " + e.getMessage(), e);
        }
    }

    /**
     * A reader over one partition's stores on this instance: those of its active task, or with {@code standby} its
     * standby copy (or an active task still restoring), which may lag behind.
     *
     * @throws StateUnavailableException when this instance does not hold the partition that way right now
     */
    public SessionReader partitionReader(int partition, boolean standby) {
        KafkaStreams current = streams;
        if (current == null) {
            throw new StateUnavailableException("Sessions are not queryable yet: the aggregator is starting", null);
        }
        try {
            return new SessionReader(List.of(partition(current, partition, standby)));
        } catch (InvalidStateStoreException e) {
            throw new StateUnavailableException("Partition " + partition + " is not queryable here right now: "
                    + e.getMessage(), e);
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

    /**
     * The stores of one partition; with {@code stale} (a standby copy) without the session index, which only active
     * tasks keep.
     */
    private static SessionReader.Partition partition(KafkaStreams streams, int partition, boolean stale) {
        return new SessionReader.Partition(
                store(streams, SessionTopology.SESSIONS_STORE, partition, stale),
                store(streams, SessionTopology.TRANSCRIPTS_STORE, partition, stale),
                stale ? null : streams.store(StoreQueryParameters
                        .fromNameAndType(SessionTopology.SESSION_INDEX_STORE, SessionIndexType.INSTANCE)
                        .withPartition(partition)),
                store(streams, SessionTopology.ANNOTATIONS_STORE, partition, stale));
    }

    private static <K, V> ReadOnlyKeyValueStore<K, V> store(KafkaStreams streams, String name, int partition,
            boolean stale) {
        StoreQueryParameters<ReadOnlyKeyValueStore<K, V>> parameters = StoreQueryParameters
                .fromNameAndType(name, QueryableStoreTypes.<K, V>keyValueStore())
                .withPartition(partition);
        return streams.store(stale ? parameters.enableStaleStores() : parameters);
    }
}
