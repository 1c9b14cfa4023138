package io.sessionizer.aggregator.index;

import java.util.List;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.state.QueryableStoreType;
import org.apache.kafka.streams.state.internals.StateStoreProvider;

/**
 * The interactive-query type of the session index: {@code streams.store(StoreQueryParameters.fromNameAndType(name,
 * SessionIndexType.INSTANCE).withPartition(p))} gives the index of one partition's task, through the same checks of
 * the task's state as the key-value stores.
 */
public final class SessionIndexType implements QueryableStoreType<SessionIndexStore> {
    public static final SessionIndexType INSTANCE = new SessionIndexType();

    private SessionIndexType() {
    }

    @Override
    public boolean accepts(StateStore stateStore) {
        return stateStore instanceof SessionIndexStore;
    }

    @Override
    public SessionIndexStore create(StateStoreProvider provider, String storeName) {
        List<SessionIndexStore> stores = provider.stores(storeName, this);
        if (stores.size() != 1) {
            throw new InvalidStateStoreException("Ask for the session index of one partition, not " + stores.size());
        }
        return stores.get(0);
    }
}
