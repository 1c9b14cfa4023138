package io.sessionizer.aggregator.topology;

import io.sessionizer.aggregator.domain.LatencySketch;
import io.sessionizer.aggregator.domain.SessionAggregator;
import io.sessionizer.aggregator.domain.SessionLifecycle;
import io.sessionizer.aggregator.domain.TurnAssembler;
import io.sessionizer.aggregator.domain.TurnOrder;
import io.sessionizer.aggregator.index.SessionIndexStore;
import io.sessionizer.aggregator.domain.TurnLimits;
import io.sessionizer.aggregator.state.SessionState;
import io.sessionizer.aggregator.state.TurnDelta;
import io.sessionizer.aggregator.store.StoreKeys;
import io.sessionizer.schemas.SessionEvent;
import io.sessionizer.schemas.SessionEventType;
import io.sessionizer.schemas.SessionStatus;
import io.sessionizer.schemas.SessionSummary;
import io.sessionizer.schemas.Turn;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.common.metrics.stats.CumulativeCount;
import org.apache.kafka.common.metrics.stats.Value;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stage 2, keyed by session: merges each turn delta into the turn filed in the transcript under (session, start time,
 * trace id), folds the change into the session summary, and publishes the turn, the summary and lifecycle events. A
 * turn whose start moved earlier (its root span came late) is re-filed, so transcripts stay in start order and
 * first_input / last_output follow start times whatever the arrival order ({@link TurnOrder}).
 *
 * <p>Outputs once per commit: a changed session or turn is noted, and at the task's commit (through the session
 * index's flush, {@link CommitForwarder}) its latest version is published once to {@code sessions} or
 * {@code session-turns} and applied to the session index, however many deltas changed it in between. Events are
 * published as they happen. Under exactly-once the outputs, the stores' changelogs and the input offsets are one
 * transaction, so nothing is published twice or lost across a crash.
 *
 * <p>Lifecycle ({@link SessionLifecycle}), on wall-clock time: idle after {@code session.idle-timeout} without spans
 * ({@code ENDED}), active again on a later span ({@code RESUMED}), deleted from every store after
 * {@code session.retention} with a tombstone on {@code sessions} and an {@code EXPIRED} event.
 *
 * <p>The session index is derived from the stores: when the task starts processing, it is checked against the marker
 * the stores hold and rebuilt from them when it is not at their point ({@link SessionIndexStore}).
 */
final class SessionProcessor implements Processor<String, TurnDelta, String, SpecificRecord> {
    private static final Logger LOG = LoggerFactory.getLogger(SessionProcessor.class);

    private final Settings settings;
    private final SessionLifecycle lifecycle;
    private ProcessorContext<String, SpecificRecord> context;
    private KeyValueStore<String, SessionState> sessions;
    private KeyValueStore<Bytes, Turn> transcripts;
    private KeyValueStore<Bytes, Long> turnIndex;
    private KeyValueStore<Bytes, byte[]> deadlines;
    private SessionIndexStore index;
    private CommitForwarder forwarder;
    /**
     * What changed since the last commit, in its latest version, as it was put in the stores: sessions (null when
     * deleted) and turns by (session key, trace id). Published from here, so the commit reads no store again.
     */
    private final Map<String, SessionSummary> changedSessions = new LinkedHashMap<>();
    private final Map<TurnRef, Turn> changedTurns = new LinkedHashMap<>();
    private final TurnLimits.Cuts cuts = new TurnLimits.Cuts();
    private Sensor metadataCut;
    private Sensor toolCallsCut;
    private Sensor rebuilds;

    record Settings(Duration idleTimeout, Duration retention, Duration punctuateInterval,
            Duration indexRefreshInterval) {
    }

    private record TurnRef(String sessionKey, String traceId) {
    }

    SessionProcessor(Settings settings) {
        this.settings = settings;
        this.lifecycle = new SessionLifecycle(settings.idleTimeout(), settings.retention());
    }

    @Override
    public void init(ProcessorContext<String, SpecificRecord> context) {
        this.context = context;
        this.sessions = context.getStateStore(SessionTopology.SESSIONS_STORE);
        this.transcripts = context.getStateStore(SessionTopology.TRANSCRIPTS_STORE);
        this.turnIndex = context.getStateStore(SessionTopology.TURN_INDEX_STORE);
        this.deadlines = context.getStateStore(SessionTopology.SESSION_DEADLINES_STORE);
        this.index = context.getStateStore(SessionTopology.SESSION_INDEX_STORE);
        this.forwarder = new CommitForwarder(context);
        index.refreshInterval(settings.indexRefreshInterval().toMillis(), context::currentSystemTimeMs);
        Long marker = turnIndex.get(StoreKeys.INDEX_MARKER);
        if (index.isCurrent(marker == null ? null : Long.toString(marker))) {
            index.markCurrent();
        } else {
            rebuildIndex();
        }
        index.beforeCommit(this::publish);
        if (!settings.indexRefreshInterval().isZero()) {
            // Changes a commit applied but did not make visible (the last refresh was too recent) become visible at
            // the next commit or here, whichever comes first, also when no more records arrive.
            context.schedule(settings.indexRefreshInterval(), PunctuationType.WALL_CLOCK_TIME,
                    now -> index.refreshIfDue());
        }
        this.metadataCut = TraceProcessor.counter(context, TraceProcessor.METADATA_CUT,
                TraceProcessor.METADATA_CUT_DESCRIPTION);
        this.toolCallsCut = TraceProcessor.counter(context, TraceProcessor.TOOL_CALLS_CUT,
                TraceProcessor.TOOL_CALLS_CUT_DESCRIPTION);
        context.schedule(settings.punctuateInterval(), PunctuationType.WALL_CLOCK_TIME, this::advanceLifecycle);
    }

    /**
     * Rebuilds the task's session index from its stores (on the index's thread, while this task processes), and files
     * a new marker in the stores, so that this index, once rebuilt and closed cleanly, is known to be at their point,
     * and any other copy is not.
     */
    private void rebuildIndex() {
        long marker = ThreadLocalRandom.current().nextLong();
        Sensor rebuildTime = rebuildSensor();
        String task = context.taskId().toString();
        index.rebuildFrom(sessions, transcripts, Long.toString(marker)).thenAccept(rebuilt -> {
            rebuildTime.record(rebuilt.took().toMillis());
            LOG.info("Rebuilt the session index of task {} from its stores: {} sessions, {} turns in {} ms",
                    task, rebuilt.sessions(), rebuilt.turns(), rebuilt.took().toMillis());
        });
        turnIndex.put(StoreKeys.INDEX_MARKER, marker);
    }

    /**
     * The rebuild's time, as the metrics {@code session-index-rebuild-time-ms} (the last rebuild's) and
     * {@code session-index-rebuilds-total} of the task.
     */
    private Sensor rebuildSensor() {
        if (rebuilds == null) {
            Map<String, String> tags = Map.of("task-id", context.taskId().toString());
            rebuilds = context.metrics().addSensor("sessionizer-session-index-rebuild-" + context.taskId(),
                    Sensor.RecordingLevel.INFO);
            rebuilds.add(new MetricName("session-index-rebuild-time-ms", "sessionizer",
                    "Time the last rebuild of the task's session index from its stores took", tags), new Value());
            rebuilds.add(new MetricName("session-index-rebuilds-total", "sessionizer",
                    "Rebuilds of the task's session index from its stores", tags), new CumulativeCount());
        }
        return rebuilds;
    }

    @Override
    public void process(Record<String, TurnDelta> record) {
        String sessionKey = record.key();
        TurnDelta delta = record.value();
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

        SessionState state = sessions.get(sessionKey);
        boolean resumed = state != null && state.getSummary().getStatus() == SessionStatus.IDLE;
        // The first and last turn change only when this turn becomes one of them, so the transcript is scanned
        // only in the rare case of the last turn moving earlier (its root span came late).
        Turn first = state == null || TurnOrder.isFirst(start, turn.getTraceId(), state.getFirstTurnStartMicros(),
                state.getFirstTurnTraceId()) ? turn : null;
        Turn last = switch (state == null ? TurnOrder.Last.THIS_TURN : TurnOrder.last(start, turn.getTraceId(),
                state.getLastTurnStartMicros(), state.getLastTurnTraceId())) {
            case THIS_TURN -> turn;
            case LOOK_UP -> lastTurn(sessionKey);
            case UNCHANGED -> null;
        };
        LatencySketch latency = state == null ? new LatencySketch()
                : LatencySketch.of(state.getLatencyBins(), state.getLatencyCounts(), state.getLatencyZeroCount());
        SessionSummary summary = SessionAggregator.apply(state == null ? null : state.getSummary(), latency,
                previous, turn, first, last, now, cuts);
        if (cuts.metadata() > 0) {
            metadataCut.record(cuts.metadata());
        }
        if (cuts.toolCalls() > 0) {
            // A turn's list fills across deltas: the calls of a later delta are cut here, not in stage 1.
            toolCallsCut.record(cuts.toolCalls());
        }
        long deadline = state != null ? state.getDeadlineMs() : 0;
        long refiled = lifecycle.deadlineAfterActivity(state == null, deadline, nowMs);
        if (refiled >= 0) {
            if (state != null) {
                deadlines.delete(StoreKeys.deadline(deadline, sessionKey));
            }
            deadline = refiled;
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

        changedTurns.put(new TurnRef(sessionKey, turn.getTraceId()), turn);
        changedSessions.put(sessionKey, summary);
        index.markPending();
        if (state == null || resumed) {
            emitEvent(sessionKey, summary, resumed ? SessionEventType.RESUMED : SessionEventType.STARTED, nowMs);
        }
    }

    /**
     * At the task's commit: publishes the latest version of every session and turn changed since the last one, once
     * each, and applies them to the session index. A session deleted meanwhile is published as a tombstone.
     */
    private void publish() {
        if (changedSessions.isEmpty() && changedTurns.isEmpty()) {
            return;
        }
        forwarder.run(context.currentSystemTimeMs(), () -> {
            changedTurns.forEach((ref, turn) -> {
                context.forward(new Record<String, SpecificRecord>(ref.sessionKey(), turn,
                        turn.getUpdatedAt().toEpochMilli()), SessionTopology.TURNS_SINK);
                index.putTurn(ref.sessionKey(), turn);
            });
            changedSessions.forEach((sessionKey, summary) -> {
                if (summary == null) {
                    context.forward(new Record<String, SpecificRecord>(sessionKey, null,
                            context.currentSystemTimeMs()), SessionTopology.SESSIONS_SINK);
                    index.deleteSession(sessionKey);
                } else {
                    context.forward(new Record<String, SpecificRecord>(sessionKey, summary,
                            summary.getUpdatedAt().toEpochMilli()), SessionTopology.SESSIONS_SINK);
                    index.putSession(sessionKey, summary);
                }
            });
        });
        changedTurns.clear();
        changedSessions.clear();
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
            SessionLifecycle.Decision decision = lifecycle.atDeadline(summary.getStatus() == SessionStatus.ACTIVE,
                    state.getLastActivityMs(), nowMs);
            switch (decision.step()) {
                case REFILE -> refile(sessionKey, state, decision.nextDeadlineMs());
                case GO_IDLE -> {
                    goIdle(sessionKey, state, nowMs);
                    refile(sessionKey, state, decision.nextDeadlineMs());
                }
                case GO_IDLE_AND_EXPIRE -> {
                    goIdle(sessionKey, state, nowMs);
                    expire(sessionKey, summary, nowMs);
                }
                case EXPIRE -> expire(sessionKey, summary, nowMs);
            }
        }
    }

    private void goIdle(String sessionKey, SessionState state, long nowMs) {
        SessionSummary summary = state.getSummary();
        summary.setStatus(SessionStatus.IDLE);
        summary.setUpdatedAt(Instant.ofEpochMilli(nowMs));
        sessions.put(sessionKey, state);
        changedSessions.put(sessionKey, summary);
        index.markPending();
        emitEvent(sessionKey, summary, SessionEventType.ENDED, nowMs);
    }

    private void expire(String sessionKey, SessionSummary summary, long nowMs) {
        deleteTranscript(sessionKey);
        sessions.delete(sessionKey);
        changedSessions.put(sessionKey, null);
        index.markPending();
        emitEvent(sessionKey, summary, SessionEventType.EXPIRED, nowMs);
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
            // Deleted: not published; the session's tombstone takes its documents out of the index.
            changedTurns.remove(new TurnRef(sessionKey, turn.value.getTraceId()));
        }
    }

    @Override
    public void close() {
        context.metrics().removeSensor(metadataCut);
        context.metrics().removeSensor(toolCallsCut);
        if (rebuilds != null) {
            context.metrics().removeSensor(rebuilds);
        }
    }

    private void emitEvent(String sessionKey, SessionSummary summary, SessionEventType type, long nowMs) {
        SessionEvent event = SessionEvent.newBuilder().setTenant(summary.getTenant())
                .setSessionId(summary.getSessionId()).setType(type).setTime(Instant.ofEpochMilli(nowMs))
                .setTraceCount(summary.getTraceCount()).build();
        context.forward(new Record<String, SpecificRecord>(sessionKey, event, nowMs), SessionTopology.EVENTS_SINK);
    }
}
