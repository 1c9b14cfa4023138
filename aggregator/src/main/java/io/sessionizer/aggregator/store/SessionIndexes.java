package io.sessionizer.aggregator.store;

import io.sessionizer.aggregator.domain.SearchTokens;
import io.sessionizer.aggregator.domain.SessionTotals;
import io.sessionizer.schemas.SessionSummary;
import io.sessionizer.schemas.Turn;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Keeps the query indexes in step with the sessions: the by-end-time index that lists page through, the token index
 * that search reads, and the running totals of stats. Each change applies the difference between a session's (or
 * turn's) previous and new version, so nothing is ever rebuilt by a scan.
 */
public final class SessionIndexes {
    private final KeyValueStore<Bytes, byte[]> byEndTime;
    private final KeyValueStore<Bytes, byte[]> tokens;
    private final KeyValueStore<String, byte[]> stats;

    /** What the indexes hold of a session's version: taken before the summary is changed in place. */
    public record Snapshot(String tenant, long endMicros, List<String> projects, SessionTotals totals) {
        public static Snapshot of(SessionSummary s) {
            return new Snapshot(s.getTenant(), StoreKeys.micros(s.getEndTime()), List.copyOf(s.getProjects()),
                    SessionTotals.of(s));
        }
    }

    public SessionIndexes(KeyValueStore<Bytes, byte[]> byEndTime, KeyValueStore<Bytes, byte[]> tokens,
            KeyValueStore<String, byte[]> stats) {
        this.byEndTime = byEndTime;
        this.tokens = tokens;
        this.stats = stats;
    }

    /**
     * A session changed from {@code before} to {@code after}; either is null when the session is new or deleted.
     */
    public void sessionChanged(String sessionKey, Snapshot before, Snapshot after) {
        if (before != null && (after == null || before.endMicros() != after.endMicros())) {
            byEndTime.delete(StoreKeys.byEndTime(before.endMicros(), sessionKey));
        }
        if (after != null && (before == null || before.endMicros() != after.endMicros())) {
            byEndTime.put(StoreKeys.byEndTime(after.endMicros(), sessionKey), StoreKeys.NO_VALUE);
        }
        Set<String> beforeKeys = before != null ? statsKeys(before) : Set.of();
        Set<String> afterKeys = after != null ? statsKeys(after) : Set.of();
        Set<String> keys = new LinkedHashSet<>(beforeKeys);
        keys.addAll(afterKeys);
        for (String key : keys) {
            SessionTotals totals = SessionTotals.fromBytes(stats.get(key));
            if (beforeKeys.contains(key)) {
                totals = totals.minus(before.totals());
            }
            if (afterKeys.contains(key)) {
                totals = totals.plus(after.totals());
            }
            if (totals.sessions() == 0) {
                stats.delete(key);
            } else {
                stats.put(key, totals.toBytes());
            }
        }
    }

    /** A turn changed from {@code before} to {@code after}; either is null when the turn is new or deleted. */
    public void turnChanged(String sessionKey, Turn before, Turn after) {
        Set<String> old = SearchTokens.of(before);
        Set<String> now = SearchTokens.of(after);
        byte[] suffix = StoreKeys.tokenSuffix(sessionKey, after != null ? after.getTraceId() : before.getTraceId());
        List<KeyValue<Bytes, byte[]>> changes = new ArrayList<>();
        for (String token : old) {
            if (!now.contains(token)) {
                changes.add(KeyValue.pair(StoreKeys.token(token, suffix), null));
            }
        }
        for (String token : now) {
            if (!old.contains(token)) {
                changes.add(KeyValue.pair(StoreKeys.token(token, suffix), StoreKeys.NO_VALUE));
            }
        }
        // A new turn has dozens of tokens: one RocksDB write batch for all (null deletes) rather than one write each.
        if (!changes.isEmpty()) {
            tokens.putAll(changes);
        }
    }

    private static Set<String> statsKeys(Snapshot s) {
        Set<String> keys = new LinkedHashSet<>();
        keys.add(StoreKeys.stats(s.tenant(), ""));
        for (String project : s.projects()) {
            if (!project.isEmpty()) {
                keys.add(StoreKeys.stats(s.tenant(), project));
            }
        }
        return keys;
    }
}
