package io.sessionizer.aggregator.topology;

import io.sessionizer.aggregator.store.StoreKeys;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/** Reads a deadline store: keys filed by time, so what is due is one range scan from the start. */
final class Deadlines {
    /** At most this many entries per check, so that one punctuation cannot stall the stream thread. */
    static final int MAX_PER_CHECK = 10_000;

    private Deadlines() {
    }

    /**
     * The keys due at or before {@code nowMs}, oldest first, collected before the caller changes the store: an open
     * iterator must not see its own store being written.
     */
    static List<Bytes> due(KeyValueStore<Bytes, byte[]> store, long nowMs) {
        List<Bytes> due = new ArrayList<>();
        try (KeyValueIterator<Bytes, byte[]> it = store.range(StoreKeys.deadlinesFrom(),
                StoreKeys.deadlinesDueBy(nowMs))) {
            while (it.hasNext() && due.size() < MAX_PER_CHECK) {
                due.add(it.next().key);
            }
        }
        return due;
    }
}
