package io.sessionizer.aggregator.query;

import io.sessionizer.aggregator.domain.Annotations;
import io.sessionizer.aggregator.index.SessionIndexStore;
import io.sessionizer.aggregator.state.SessionState;
import io.sessionizer.aggregator.store.StoreKeys;
import io.sessionizer.schemas.Annotation;
import io.sessionizer.schemas.SessionSummary;
import io.sessionizer.schemas.Turn;
import io.sessionizer.schemas.records.RecordContract;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.serialization.BytesSerializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * Answers queries from this instance's stores, one set per partition: the sessions and their transcripts, the source
 * of truth, and the session index derived from them (SessionIndexStore), which lists, search, facets and stats read.
 * A session lives in one partition; a list reads every partition's index as one.
 */
public final class SessionReader {
    /** Turns of a session shown as search matches. */
    public static final int MAX_MATCHES = 3;

    private final List<Partition> partitions;

    /**
     * The stores of one partition of the session processor; the index is null where it is not read (standbys), the
     * annotations where they are not asked for (tests of lists).
     */
    public record Partition(ReadOnlyKeyValueStore<String, SessionState> sessions,
            ReadOnlyKeyValueStore<Bytes, Turn> transcripts, SessionIndexStore index,
            ReadOnlyKeyValueStore<Bytes, Annotation> annotations) {
        public Partition(ReadOnlyKeyValueStore<String, SessionState> sessions,
                ReadOnlyKeyValueStore<Bytes, Turn> transcripts, SessionIndexStore index) {
            this(sessions, transcripts, index, null);
        }
    }

    /** A session of a list, where it stands in the list, and for a search its best-matching turns. */
    public record Listed(SessionSummary summary, SessionIndexSearch.Position position, List<Match> matches) {
    }

    /**
     * A turn that matched a search.
     *
     * @param field {@code input} or {@code output}, where the snippet is from; null when no snippet could be cut
     * @param snippet HTML-escaped text with the matched words in {@code <mark>}
     */
    public record Match(Turn turn, String field, String snippet) {
    }

    /** A page of a list; {@code more} when it goes on after its last session. */
    public record ListPage(List<Listed> sessions, boolean more) {
    }

    public SessionReader(List<Partition> partitions) {
        this.partitions = List.copyOf(partitions);
    }

    public Optional<SessionSummary> find(String tenant, String sessionId) {
        String sessionKey = RecordContract.sessionKey(tenant, sessionId);
        try {
            for (Partition p : partitions) {
                SessionState state = p.sessions().get(sessionKey);
                if (state != null) {
                    return Optional.of(state.getSummary());
                }
            }
            return Optional.empty();
        } catch (InvalidStateStoreException e) {
            throw unavailable(e);
        }
    }

    /**
     * The annotations of a session and its turns, oldest first: also those of a session that has not arrived yet;
     * empty when the session is unknown and has none.
     */
    public Optional<List<Annotation>> annotations(String tenant, String sessionId) {
        String sessionKey = RecordContract.sessionKey(tenant, sessionId);
        try {
            for (Partition p : partitions) {
                List<Annotation> all = new ArrayList<>();
                try (KeyValueIterator<Bytes, Annotation> it = p.annotations().prefixScan(
                        StoreKeys.annotationsOf(sessionKey), new BytesSerializer())) {
                    it.forEachRemaining(entry -> all.add(entry.value));
                }
                if (!all.isEmpty() || p.sessions().get(sessionKey) != null) {
                    all.sort(Annotations.OLDEST_FIRST);
                    return Optional.of(all);
                }
            }
            return Optional.empty();
        } catch (InvalidStateStoreException e) {
            throw unavailable(e);
        }
    }

    private static StateUnavailableException unavailable(InvalidStateStoreException e) {
        return new StateUnavailableException("Sessions are not queryable right now: " + e.getMessage(), e);
    }

    /**
     * A page of a session's turns, oldest first, after the transcript key {@code afterKey} (null for the first page);
     * empty when the session is unknown.
     *
     * @throws InvalidParameterException naming {@code cursor} when {@code afterKey} is not a key of this session's
     *     transcript
     */
    public Optional<Page<Turn>> turns(String tenant, String sessionId, byte[] afterKey, int limit) {
        String sessionKey = RecordContract.sessionKey(tenant, sessionId);
        Bytes after = afterKey == null ? null : Bytes.wrap(afterKey);
        if (after != null && !StoreKeys.isTranscriptKeyOf(after, sessionKey)) {
            throw new InvalidParameterException("cursor", "not a cursor of session '" + sessionId + "'");
        }
        try {
            return turns(sessionKey, after, limit);
        } catch (InvalidStateStoreException e) {
            throw unavailable(e);
        }
    }

    private Optional<Page<Turn>> turns(String sessionKey, Bytes after, int limit) {
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
        return Optional.of(new Page<>(page, more ? last.get() : null));
    }

    /**
     * A page of the tenant's sessions that {@code query} selects, in its sort, after {@code after} (null for the first
     * page). With a search, each session comes with its best-matching turns.
     *
     * @throws io.sessionizer.aggregator.index.IndexUnavailableException while a partition's index is rebuilt
     */
    public ListPage list(String tenant, SessionQuery query, SessionIndexSearch.Position after, int limit) {
        try (SessionIndexSearch search = search()) {
            return list(search, tenant, query, after, limit);
        } catch (InvalidStateStoreException e) {
            throw unavailable(e);
        }
    }

    private ListPage list(SessionIndexSearch search, String tenant, SessionQuery query,
            SessionIndexSearch.Position after, int limit) {
        SessionIndexSearch.Hits hits = search.list(tenant, query, after, limit);
        List<SessionIndexSearch.Hit> shown = new ArrayList<>();
        List<SessionState> states = new ArrayList<>();
        for (SessionIndexSearch.Hit hit : hits.hits()) {
            SessionState state = partitions.get(hit.partition()).sessions().get(hit.sessionKey());
            // Null when expired since the index's last refresh; it leaves the index at the next commit.
            if (state != null) {
                shown.add(hit);
                states.add(state);
            }
        }
        Map<String, List<SessionIndexSearch.TurnMatch>> best = Map.of();
        Highlights highlights = null;
        if (query.q() != null) {
            best = search.matchingTurns(tenant, shown.stream().map(SessionIndexSearch.Hit::sessionKey).toList(),
                    query.q(), MAX_MATCHES);
            highlights = new Highlights(SessionIndexSearch.anyWord(query.q()));
        }
        List<Listed> page = new ArrayList<>();
        for (int i = 0; i < shown.size(); i++) {
            SessionIndexSearch.Hit hit = shown.get(i);
            List<Match> matches = List.of();
            if (highlights != null) {
                matches = new ArrayList<>();
                for (SessionIndexSearch.TurnMatch m : best.getOrDefault(hit.sessionKey(), List.of())) {
                    Turn turn = partitions.get(hit.partition()).transcripts().get(StoreKeys.transcript(
                            hit.sessionKey(), m.startMicros(), m.traceId()));
                    if (turn != null) {
                        matches.add(highlights.of(turn));
                    }
                }
            }
            page.add(new Listed(states.get(i).getSummary(), hit.position(), matches));
        }
        return new ListPage(page, hits.more());
    }

    /** Counts of each value of a facet field among the selected sessions. */
    public Map<String, Long> facet(String tenant, SessionQuery query, String field) {
        try (SessionIndexSearch search = search()) {
            return search.facet(tenant, query, field);
        }
    }

    /** Totals and time buckets of the selected sessions. */
    public SessionIndexSearch.Stats stats(String tenant, SessionQuery query, long fromMicros, long toMicros,
            long intervalMicros) {
        try (SessionIndexSearch search = search()) {
            return search.stats(tenant, query, fromMicros, toMicros, intervalMicros);
        }
    }

    private SessionIndexSearch search() {
        return new SessionIndexSearch(partitions.stream().map(Partition::index).toList());
    }
}
