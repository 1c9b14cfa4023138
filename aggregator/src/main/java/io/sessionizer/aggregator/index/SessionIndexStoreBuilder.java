package io.sessionizer.aggregator.index;

import java.util.Map;
import org.apache.kafka.streams.state.StoreBuilder;

/**
 * Builds {@link SessionIndexStore}s. The index is derived state: it never has a changelog (a request to log it is
 * refused) and no cache, since it takes its changes once per commit already.
 */
public final class SessionIndexStoreBuilder implements StoreBuilder<SessionIndexStore> {
    private final String name;

    public SessionIndexStoreBuilder(String name) {
        this.name = name;
    }

    @Override
    public StoreBuilder<SessionIndexStore> withCachingEnabled() {
        throw new UnsupportedOperationException("The session index has no cache");
    }

    @Override
    public StoreBuilder<SessionIndexStore> withCachingDisabled() {
        return this;
    }

    @Override
    public StoreBuilder<SessionIndexStore> withLoggingEnabled(Map<String, String> config) {
        throw new UnsupportedOperationException("The session index is derived from the stores: it has no changelog");
    }

    @Override
    public StoreBuilder<SessionIndexStore> withLoggingDisabled() {
        return this;
    }

    @Override
    public SessionIndexStore build() {
        return new SessionIndexStore(name);
    }

    @Override
    public Map<String, String> logConfig() {
        return Map.of();
    }

    @Override
    public boolean loggingEnabled() {
        return false;
    }

    @Override
    public String name() {
        return name;
    }
}
