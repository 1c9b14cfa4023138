package io.sessionizer.aggregator.topology;

import io.sessionizer.aggregator.domain.LatencySketch;
import io.sessionizer.aggregator.domain.SessionAggregator;
import io.sessionizer.aggregator.domain.TurnAssembler;
import io.sessionizer.aggregator.domain.TurnLimits;
import io.sessionizer.aggregator.state.SessionState;
import io.sessionizer.aggregator.state.TraceState;
import io.sessionizer.aggregator.store.SessionIndexes;
import io.sessionizer.aggregator.store.StoreKeys;
import io.sessionizer.schemas.SessionEvent;
import io.sessionizer.schemas.SessionEventType;
import io.sessionizer.schemas.SessionStatus;
import io.sessionizer.schemas.SessionSummary;
import io.sessionizer.schemas.Turn;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Stage 2, keyed by session: merges each turn delta into the turn filed in the transcript under (session, start time,
 * trace id), folds the change into the session summary, and publishes the turn, the summary and lifecycle events. A
 * turn whose start moved earlier (its root span came late) is re-filed, so transcripts stay in start order and
 * first_input / last_output follow start times whatever the arrival order.
 *
 * <p>Lifecycle, on wall-clock time: a session without new spans for {@code session.idle-timeout} becomes idle
 * ({@code ENDED}); a later span makes it active ({@code RESUMED}); after {@code session.retention} without activity its
 * state is deleted from every store, with a tombstone on {@code sessions} and an {@code EXPIRED} event. Each session
 * has one entry in the deadlines store, filed under the time of its next change or, for an active session, earlier:
 * the check at an entry that came too early files it again.
 *
 * <p>The query indexes (newest-first list, search tokens, running totals) follow every change of a turn or summary,
 * the idle transition and the expiry, through {@link SessionIndexes}.
 */
final class SessionProcessor implements Processor<String, TraceState, String, SpecificRecord> {
    private final Settings settings;
    private ProcessorContext<String, SpecificRecord> context;
    private KeyValueStore<String, SessionState> sessions;
    private KeyValueStore<Bytes, Turn> transcripts;
    private KeyValueStore<Bytes, Long> turnIndex;
    private KeyValueStore<Bytes, byte[]> deadlines;
    private SessionIndexes indexes;
    private final TurnLimits.Cuts cuts = new TurnLimits.Cuts();
    private Sensor metadataCut;

    record Settings(Duration idleTimeout, Duration retention, Duration punctuateInterval) {
    }

    SessionProcessor(Settings settings) {
        this.settings = settings;
    }

    @Override
    public void init(ProcessorContext<String, SpecificRecord> context) {
        this.context = context;
        this.sessions = context.getStateStore(SessionTopology.SESSIONS_STORE);
        this.transcripts = context.getStateStore(SessionTopology.TRANSCRIPTS_STORE);
        this.turnIndex = context.getStateStore(SessionTopology.TURN_INDEX_STORE);
        this.deadlines = context.getStateStore(SessionTopology.SESSION_DEADLINES_STORE);
        this.indexes = new SessionIndexes(context.getStateStore(SessionTopology.SESSIONS_BY_END_TIME_STORE),
                context.getStateStore(SessionTopology.SEARCH_TOKENS_STORE),
                context.getStateStore(SessionTopology.SESSION_STATS_STORE));
        this.metadataCut = TraceProcessor.counter(context, TraceProcessor.METADATA_CUT,
                TraceProcessor.METADATA_CUT_DESCRIPTION);
        context.schedule(settings.punctuateInterval(), PunctuationType.WALL_CLOCK_TIME, this::advanceLifecycle);
    }

    @Override
    public void process(Record<String, TraceState> record) {
        String sessionKey = record.key();
        TraceState delta = record.value();
        long nowMs = context.currentSystemTimeMs();
        Instant now = Instant.ofEpochMilli(nowMs);

        Bytes indexKey = StoreKeys.turnIndex(sessionKey, delta.getTraceId());
        Long previousStart = turnIndex.get(indexKey);
        Turn previous = null;
        if (previousStart != null) {
            previous = transcripts.get(StoreKeys.transcript(sessionKey, previousStart, delta.getTraceId()));
        }
        cuts.reset();
        Turn turn = TurnAssembler.merge(previous, delta, now, cuts);
        long start = StoreKeys.micros(turn.getStartTime());
        if (previousStart == null || previousStart != start) {
            if (previousStart != null) {
                transcripts.delete(StoreKeys.transcript(sessionKey, previousStart, delta.getTraceId()));
            }
            turnIndex.put(indexKey, start);
        }
        transcripts.put(StoreKeys.transcript(sessionKey, start, turn.getTraceId()), turn);
        indexes.turnChanged(sessionKey, previous, turn);

        SessionState state = sessions.get(sessionKey);
        // Taken before SessionAggregator.apply changes the summary in place.
        SessionIndexes.Snapshot before = state == null ? null : SessionIndexes.Snapshot.of(state.getSummary());
        boolean resumed = state != null && state.getSummary().getStatus() == SessionStatus.IDLE;
        // The first and last turn change only when this turn becomes one of them, so the transcript is scanned
        // only in the rare case of the last turn moving earlier (its root span came late).
        Turn first = state == null || compare(start, turn.getTraceId(), state.getFirstTurnStartMicros(),
                state.getFirstTurnTraceId()) <= 0 ? turn : null;
        Turn last;
        if (state == null || compare(start, turn.getTraceId(), state.getLastTurnStartMicros(),
                state.getLastTurnTraceId()) >= 0) {
            last = turn;
        } else if (turn.getTraceId().equals(state.getLastTurnTraceId())) {
            last = lastTurn(sessionKey);
        } else {
            last = null;
        }
        LatencySketch latency = state == null ? new LatencySketch()
                : LatencySketch.of(state.getLatencyBins(), state.getLatencyCounts(), state.getLatencyZeroCount());
        SessionSummary summary = SessionAggregator.apply(state == null ? null : state.getSummary(), latency,
                previous, turn, first, last, now, cuts);
        if (cuts.metadata() > 0) {
            metadataCut.record(cuts.metadata());
        }
        indexes.sessionChanged(sessionKey, before, SessionIndexes.Snapshot.of(summary));
        // An active session keeps its deadline entry when a turn pushes its idle time later: the check at that entry
        // files it again under lastActivityMs + idle timeout. So a busy session costs no deadline writes per turn.
        long deadline = state != null ? state.getDeadlineMs() : 0;
        long idleAt = nowMs + settings.idleTimeout().toMillis();
        if (state == null || deadline > idleAt) {
            if (state != null) {
                deadlines.delete(StoreKeys.deadline(deadline, sessionKey));
            }
            deadline = idleAt;
            deadlines.put(StoreKeys.deadline(deadline, sessionKey), StoreKeys.NO_VALUE);
        }
        sessions.put(sessionKey, SessionState.newBuilder()
                .setSummary(summary)
                .setLastActivityMs(nowMs)
                .setLatencyBins(latency.indexes())
                .setLatencyCounts(latency.counts())
                .setLatencyZeroCount(latency.zeroCount())
                .setFirstTurnStartMicros(first != null ? start : state.getFirstTurnStartMicros())
                .setFirstTurnTraceId(first != null ? turn.getTraceId() : state.getFirstTurnTraceId())
                .setLastTurnStartMicros(last != null ? StoreKeys.micros(last.getStartTime())
                        : state.getLastTurnStartMicros())
                .setLastTurnTraceId(last != null ? last.getTraceId() : state.getLastTurnTraceId())
                .setDeadlineMs(deadline)
                .build());

        context.forward(record.withValue((SpecificRecord) turn), SessionTopology.TURNS_SINK);
        context.forward(record.withValue((SpecificRecord) summary), SessionTopology.SESSIONS_SINK);
        if (state == null || resumed) {
            emitEvent(sessionKey, summary, resumed ? SessionEventType.RESUMED : SessionEventType.STARTED, nowMs);
        }
    }

    /** Transcript order: start time, then trace id (lowercase hex sorts as the bytes do). */
    private static int compare(long start, String traceId, long otherStart, String otherTraceId) {
        int byStart = Long.compare(start, otherStart);
        return byStart != 0 ? byStart : traceId.compareTo(otherTraceId);
    }

    /** The last turn of a session by start time: one seek in the ordered store. */
    private Turn lastTurn(String sessionKey) {
        try (KeyValueIterator<Bytes, Turn> it = transcripts.reverseRange(StoreKeys.transcriptFrom(sessionKey),
                StoreKeys.transcriptTo(sessionKey))) {
            return it.next().value;
        }
    }

    private void advanceLifecycle(long nowMs) {
        for (Bytes deadlineKey : Deadlines.due(deadlines, nowMs)) {
            deadlines.delete(deadlineKey);
            String sessionKey = StoreKeys.deadlineKey(deadlineKey);
            SessionState state = sessions.get(sessionKey);
            if (state == null) {
                continue;
            }
            SessionSummary summary = state.getSummary();
            long idleAt = state.getLastActivityMs() + settings.idleTimeout().toMillis();
            if (summary.getStatus() == SessionStatus.ACTIVE && idleAt > nowMs) {
                refile(sessionKey, state, idleAt);
                continue;
            }
            long expiry = state.getLastActivityMs() + settings.retention().toMillis();
            SessionIndexes.Snapshot before = SessionIndexes.Snapshot.of(summary);
            if (summary.getStatus() == SessionStatus.ACTIVE) {
                summary.setStatus(SessionStatus.IDLE);
                indexes.sessionChanged(sessionKey, before, SessionIndexes.Snapshot.of(summary));
                summary.setUpdatedAt(Instant.ofEpochMilli(nowMs));
                context.forward(new Record<>(sessionKey, summary, nowMs), SessionTopology.SESSIONS_SINK);
                emitEvent(sessionKey, summary, SessionEventType.ENDED, nowMs);
                if (expiry > nowMs) {
                    refile(sessionKey, state, expiry);
                    continue;
                }
            }
            deleteTranscript(sessionKey);
            indexes.sessionChanged(sessionKey, SessionIndexes.Snapshot.of(summary), null);
            sessions.delete(sessionKey);
            context.forward(new Record<String, SpecificRecord>(sessionKey, null, nowMs),
                    SessionTopology.SESSIONS_SINK);
            emitEvent(sessionKey, summary, SessionEventType.EXPIRED, nowMs);
        }
    }

    /** Files a session's deadline entry (whose old one the caller deleted) under {@code deadlineMs}. */
    private void refile(String sessionKey, SessionState state, long deadlineMs) {
        deadlines.put(StoreKeys.deadline(deadlineMs, sessionKey), StoreKeys.NO_VALUE);
        state.setDeadlineMs(deadlineMs);
        sessions.put(sessionKey, state);
    }

    private void deleteTranscript(String sessionKey) {
        List<KeyValue<Bytes, Turn>> turns = new ArrayList<>();
        try (KeyValueIterator<Bytes, Turn> it = transcripts.range(StoreKeys.transcriptFrom(sessionKey),
                StoreKeys.transcriptTo(sessionKey))) {
            it.forEachRemaining(turns::add);
        }
        for (KeyValue<Bytes, Turn> turn : turns) {
            transcripts.delete(turn.key);
            turnIndex.delete(StoreKeys.turnIndex(sessionKey, turn.value.getTraceId()));
            indexes.turnChanged(sessionKey, turn.value, null);
        }
    }

    @Override
    public void close() {
        context.metrics().removeSensor(metadataCut);
    }

    private void emitEvent(String sessionKey, SessionSummary summary, SessionEventType type, long nowMs) {
        SessionEvent event = new SessionEvent(summary.getTenant(), summary.getSessionId(), type,
                Instant.ofEpochMilli(nowMs), summary.getTraceCount());
        context.forward(new Record<String, SpecificRecord>(sessionKey, event, nowMs), SessionTopology.EVENTS_SINK);
    }
}
