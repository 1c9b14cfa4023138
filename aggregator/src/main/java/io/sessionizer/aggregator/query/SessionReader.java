package io.sessionizer.aggregator.query;

import io.sessionizer.aggregator.domain.SearchTokens;
import io.sessionizer.aggregator.domain.SessionTotals;
import io.sessionizer.aggregator.state.SessionState;
import io.sessionizer.aggregator.store.StoreKeys;
import io.sessionizer.schemas.SessionSummary;
import io.sessionizer.schemas.Turn;
import io.sessionizer.schemas.records.RecordContract;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * Answers queries from this instance's stores, one set per partition: the sessions, their transcripts and the indexes
 * the topology keeps. A session lives in one partition; lists merge the partitions' newest-first indexes and totals
 * add up. Every answer is a bounded number of seeks and range scans; nothing scans all sessions.
 */
public final class SessionReader {
    /** Index entries a list examines at most per request; a sparse filter then answers a cursor to carry on. */
    public static final int MAX_EXAMINED = 10_000;
    /** Up to this many search hits are sorted directly; more are found by walking the newest-first index. */
    static final int SORT_HITS_MAX = 5_000;

    private final List<Partition> partitions;

    /** The stores of one partition of the session processor. */
    public record Partition(ReadOnlyKeyValueStore<String, SessionState> sessions,
            ReadOnlyKeyValueStore<Bytes, Turn> transcripts, ReadOnlyKeyValueStore<Bytes, byte[]> byEndTime,
            ReadOnlyKeyValueStore<Bytes, byte[]> tokens, ReadOnlyKeyValueStore<String, byte[]> stats) {
    }

    public SessionReader(List<Partition> partitions) {
        this.partitions = List.copyOf(partitions);
    }

    public Optional<SessionSummary> find(String tenant, String sessionId) {
        String sessionKey = RecordContract.sessionKey(tenant, sessionId);
        for (Partition p : partitions) {
            SessionState state = p.sessions().get(sessionKey);
            if (state != null) {
                return Optional.of(state.getSummary());
            }
        }
        return Optional.empty();
    }

    /**
     * A page of a session's turns, oldest first, after the transcript key {@code after} (null for the first page);
     * empty when the session is unknown.
     */
    public Optional<Page<Turn>> turns(String tenant, String sessionId, Bytes after, int limit) {
        String sessionKey = RecordContract.sessionKey(tenant, sessionId);
        Partition home = partitions.stream().filter(p -> p.sessions().get(sessionKey) != null).findFirst()
                .orElse(null);
        if (home == null) {
            return Optional.empty();
        }
        List<Turn> page = new ArrayList<>();
        Bytes last = null;
        boolean more = false;
        try (KeyValueIterator<Bytes, Turn> it = home.transcripts().range(after != null ? after
                : StoreKeys.transcriptFrom(sessionKey), StoreKeys.transcriptTo(sessionKey))) {
            while (it.hasNext()) {
                KeyValue<Bytes, Turn> entry = it.next();
                if (entry.key.equals(after)) {
                    continue;
                }
                if (page.size() == limit) {
                    more = true;
                    break;
                }
                page.add(entry.value);
                last = entry.key;
            }
        }
        return Optional.of(new Page<>(page, more ? last : null));
    }

    /** A page of a tenant's sessions, newest end time first, after the by-end-time key {@code after}. */
    public Page<SessionSummary> list(String tenant, SessionFilter filter, Bytes after, int limit) {
        if (filter.q() != null && !filter.q().isBlank()) {
            List<String> words = SearchTokens.query(filter.q());
            if (words.isEmpty()) {
                return new Page<>(List.of(), null);
            }
            Map<String, Partition> hits = search(tenant, words);
            if (hits.size() <= SORT_HITS_MAX) {
                return sortHits(hits, filter, after, limit);
            }
            return walk(tenant, filter, hits, after, limit);
        }
        return walk(tenant, filter, null, after, limit);
    }

    /** The totals of a tenant, or of one of its projects: the sum of the partitions' running totals. */
    public SessionTotals stats(String tenant, String project) {
        String key = StoreKeys.stats(tenant, project == null ? "" : project);
        SessionTotals sum = SessionTotals.ZERO;
        for (Partition p : partitions) {
            sum = sum.plus(SessionTotals.fromBytes(p.stats().get(key)));
        }
        return sum;
    }

    /**
     * Walks the partitions' newest-first indexes merged in key order, keeping sessions of the tenant that pass the
     * filter and, when searching, are among the hits.
     */
    private Page<SessionSummary> walk(String tenant, SessionFilter filter, Map<String, Partition> hits, Bytes after,
            int limit) {
        String tenantPrefix = RecordContract.sessionKey(tenant, "");
        List<SessionSummary> page = new ArrayList<>();
        Bytes last = null;
        int examined = 0;
        List<KeyValueIterator<Bytes, byte[]>> iterators = new ArrayList<>();
        try {
            PriorityQueue<Head> heads = new PriorityQueue<>(Comparator.comparing(Head::key));
            for (Partition p : partitions) {
                KeyValueIterator<Bytes, byte[]> it = p.byEndTime().range(after, null);
                iterators.add(it);
                Head.next(p, it, after).ifPresent(heads::add);
            }
            while (!heads.isEmpty()) {
                if (page.size() == limit || examined == MAX_EXAMINED) {
                    return new Page<>(page, last);
                }
                Head head = heads.poll();
                Head.next(head.partition(), head.iterator(), after).ifPresent(heads::add);
                examined++;
                last = head.key();
                String sessionKey = StoreKeys.byEndTimeSession(head.key());
                if (!sessionKey.startsWith(tenantPrefix) || (hits != null && !hits.containsKey(sessionKey))) {
                    continue;
                }
                SessionState state = head.partition().sessions().get(sessionKey);
                if (state != null && filter.matches(state.getSummary())) {
                    page.add(state.getSummary());
                }
            }
            return new Page<>(page, null);
        } finally {
            iterators.forEach(KeyValueIterator::close);
        }
    }

    /** The next entry of one partition's index iterator, in the merge. */
    private record Head(Bytes key, Partition partition, KeyValueIterator<Bytes, byte[]> iterator) {
        static Optional<Head> next(Partition partition, KeyValueIterator<Bytes, byte[]> it, Bytes after) {
            while (it.hasNext()) {
                Bytes key = it.next().key;
                if (!key.equals(after)) {
                    return Optional.of(new Head(key, partition, it));
                }
            }
            return Optional.empty();
        }
    }

    private Page<SessionSummary> sortHits(Map<String, Partition> hits, SessionFilter filter, Bytes after,
            int limit) {
        List<KeyValue<Bytes, SessionSummary>> found = new ArrayList<>();
        for (Map.Entry<String, Partition> hit : hits.entrySet()) {
            SessionState state = hit.getValue().sessions().get(hit.getKey());
            if (state == null || !filter.matches(state.getSummary())) {
                continue;
            }
            Bytes key = StoreKeys.byEndTime(StoreKeys.micros(state.getSummary().getEndTime()), hit.getKey());
            if (after == null || key.compareTo(after) > 0) {
                found.add(KeyValue.pair(key, state.getSummary()));
            }
        }
        found.sort(Comparator.comparing(kv -> kv.key));
        List<SessionSummary> page = new ArrayList<>();
        for (int i = 0; i < Math.min(limit, found.size()); i++) {
            page.add(found.get(i).value);
        }
        return new Page<>(page, found.size() > limit ? found.get(limit - 1).key : null);
    }

    /** The tenant's sessions, with their partition, that hold every word in some turn, the last as a prefix. */
    private Map<String, Partition> search(String tenant, List<String> words) {
        String tenantPrefix = RecordContract.sessionKey(tenant, "");
        Map<String, Partition> hits = null;
        for (int i = 0; i < words.size(); i++) {
            Bytes prefix = StoreKeys.tokenPrefix(words.get(i), i < words.size() - 1);
            Map<String, Partition> sessionsOfWord = new HashMap<>();
            for (Partition p : partitions) {
                try (KeyValueIterator<Bytes, byte[]> it = p.tokens().range(prefix,
                        StoreKeys.tokenPrefixEnd(prefix))) {
                    while (it.hasNext()) {
                        String sessionKey = StoreKeys.tokenSession(it.next().key);
                        if (sessionKey.startsWith(tenantPrefix) && (hits == null || hits.containsKey(sessionKey))) {
                            sessionsOfWord.put(sessionKey, p);
                        }
                    }
                }
            }
            hits = sessionsOfWord;
            if (hits.isEmpty()) {
                break;
            }
        }
        return hits;
    }
}
