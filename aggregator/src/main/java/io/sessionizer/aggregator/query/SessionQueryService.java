package io.sessionizer.aggregator.query;

import io.sessionizer.aggregator.topology.SessionTopology;
import io.sessionizer.aggregator.topology.Tenants;
import io.sessionizer.schemas.SessionSummary;
import io.sessionizer.schemas.internal.SessionState;
import java.util.Locale;
import java.util.Optional;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/** Reads sessions from this instance's state stores; never waits for a store to become queryable. */
public final class SessionQueryService {
    private volatile KafkaStreams streams;

    /**
     * Attaches the Streams instance once it exists: it is created after the HTTP server has bound its port, because
     * that port is part of {@code application.server}.
     */
    public void attach(KafkaStreams streams) {
        this.streams = streams;
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
        SessionState state = sessions().get(Tenants.sessionKey(tenant, sessionId));
        return Optional.ofNullable(state).map(SessionState::getSummary);
    }

    private ReadOnlyKeyValueStore<String, SessionState> sessions() {
        KafkaStreams current = streams;
        if (current == null) {
            throw new StateUnavailableException("Sessions are not queryable yet: the aggregator is starting", null);
        }
        if (current.state() != KafkaStreams.State.RUNNING) {
            throw new StateUnavailableException("Sessions are not queryable while the aggregator is "
                    + current.state().name().toLowerCase(Locale.ROOT), null);
        }
        try {
            return current.store(StoreQueryParameters.fromNameAndType(SessionTopology.SESSIONS_STORE,
                    QueryableStoreTypes.keyValueStore()));
        } catch (InvalidStateStoreException e) {
            throw new StateUnavailableException("Sessions are not queryable right now: " + e.getMessage(), e);
        }
    }
}
