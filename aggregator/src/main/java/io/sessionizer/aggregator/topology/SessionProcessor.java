package io.sessionizer.aggregator.topology;

import io.sessionizer.aggregator.domain.Annotations;
import io.sessionizer.aggregator.domain.Budgets;
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
import io.sessionizer.schemas.Annotation;
import io.sessionizer.schemas.AnnotationAction;
import io.sessionizer.schemas.BudgetKind;
import io.sessionizer.schemas.SessionAnnotation;
import io.sessionizer.schemas.SessionEvent;
import io.sessionizer.schemas.SessionEventType;
import io.sessionizer.schemas.SessionStatus;
import io.sessionizer.schemas.SessionSummary;
import io.sessionizer.schemas.Turn;
import io.sessionizer.schemas.records.RecordContract;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.common.metrics.stats.CumulativeCount;
import org.apache.kafka.common.metrics.stats.Value;
import org.apache.kafka.common.serialization.BytesSerializer;
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
 *
 * <p>Annotations ({@code session-annotations}) arrive in the same task as the session's turns. Each is kept in the
 * annotations store under (session, annotation id), so that one with the same id (the same name and identifier)
 * replaces it, and the session's per-name view and the annotated turn's list are computed again from the session's
 * annotations ({@link Annotations}); an {@code ANNOTATED} event follows. An annotation may come before its session or
 * turn: it waits in the store, and the session or turn shows it once it arrives; one whose session never comes is
 * deleted after {@code session.retention}, as an expired session's are. Annotations do not make a session active.
 */
final class SessionProcessor implements Processor<String, SpecificRecord, String, SpecificRecord> {
    static final String ANNOTATIONS_DROPPED = "annotations-dropped-total";
    static final String ANNOTATION_FIELDS_CUT = "annotation-fields-cut-total";
    private static final Pattern TRACE_ID = Pattern.compile("[0-9a-f]{32}");
    private static final Logger LOG = LoggerFactory.getLogger(SessionProcessor.class);

    private final Settings settings;
    private final SessionLifecycle lifecycle;
    /** The budgets, or null when none is set: then no delta checks them. */
    private final Budgets budgets;
    private ProcessorContext<String, SpecificRecord> context;
    private KeyValueStore<String, SessionState> sessions;
    private KeyValueStore<Bytes, Turn> transcripts;
    private KeyValueStore<Bytes, Long> turnIndex;
    private KeyValueStore<Bytes, byte[]> deadlines;
    private KeyValueStore<Bytes, Annotation> annotations;
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
    private Sensor annotationsDropped;
    private Sensor annotationFieldsCut;
    private Sensor rebuilds;

    record Settings(Duration idleTimeout, Duration retention, Duration punctuateInterval,
            Duration indexRefreshInterval, Budgets budgets) {
    }

    private record TurnRef(String sessionKey, String traceId) {
    }

    SessionProcessor(Settings settings) {
        this.settings = settings;
        this.lifecycle = new SessionLifecycle(settings.idleTimeout(), settings.retention());
        this.budgets = settings.budgets().isEmpty() ? null : settings.budgets();
    }

    @Override
    public void init(ProcessorContext<String, SpecificRecord> context) {
        this.context = context;
        this.sessions = context.getStateStore(SessionTopology.SESSIONS_STORE);
        this.transcripts = context.getStateStore(SessionTopology.TRANSCRIPTS_STORE);
        this.turnIndex = context.getStateStore(SessionTopology.TURN_INDEX_STORE);
        this.deadlines = context.getStateStore(SessionTopology.SESSION_DEADLINES_STORE);
        this.annotations = context.getStateStore(SessionTopology.ANNOTATIONS_STORE);
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
        this.annotationsDropped = TraceProcessor.counter(context, ANNOTATIONS_DROPPED,
                "Annotations not kept because their session had " + Annotations.MAX_PER_SESSION + " already");
        this.annotationFieldsCut = TraceProcessor.counter(context, ANNOTATION_FIELDS_CUT,
                "Annotation texts cut and metadata dropped over their bounds (records not written by the API)");
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
    public void process(Record<String, SpecificRecord> record) {
        if (record.value() instanceof TurnDelta delta) {
            process(record.key(), delta);
        } else if (record.value() instanceof SessionAnnotation change) {
            annotate(record.key(), change);
        } else {
            throw new PoisonRecordException("Neither a turn delta nor an annotation: "
                    + (record.value() == null ? "null" : record.value().getClass().getName()));
        }
    }

    private void process(String sessionKey, TurnDelta delta) {
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
        SessionState state = sessions.get(sessionKey);
        // Annotations that came first: looked for when the session is new, or a new turn of one that has some.
        List<Annotation> waiting = state == null || (previous == null && state.getAnnotationCount() > 0)
                ? annotationsOf(sessionKey) : List.of();
        if (previous == null && !waiting.isEmpty()) {
            turn.setAnnotations(Annotations.ofTurn(waiting, turn.getTraceId()));
        }
        long start = StoreKeys.micros(turn.getStartTime());
        if (previousStart == null || previousStart != start) {
            if (previousStart != null) {
                transcripts.delete(StoreKeys.transcript(sessionKey, previousStart, delta.getTraceId()));
            }
            turnIndex.put(indexKey, start);
        }
        transcripts.put(StoreKeys.transcript(sessionKey, start, turn.getTraceId()), turn);

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
        if (state == null && !waiting.isEmpty()) {
            setAnnotations(summary, waiting);
        }
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
        List<String> crossed = state == null ? new ArrayList<>() : state.getBudgetsCrossed();
        List<BudgetKind> crossedNow = budgets == null ? List.of() : budgets.newlyCrossed(summary, crossed);
        sessions.put(sessionKey, SessionState.newBuilder()
                .setSummary(summary)
                .setAnnotationCount(state == null ? waiting.size() : state.getAnnotationCount())
                .setBudgetsCrossed(crossed)
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
        for (BudgetKind budget : crossedNow) {
            forwardEvent(sessionKey, event(summary, SessionEventType.BUDGET_EXCEEDED, nowMs).setBudget(budget).build(),
                    nowMs);
        }
    }

    /**
     * Folds one annotation change: puts or deletes it in the store, and shows the result in the session's summary and
     * the annotated turn's list, when they exist. A change that changes nothing (deleting an unknown id) is ignored;
     * a new annotation over the session's maximum is dropped and counted.
     */
    private void annotate(String sessionKey, SessionAnnotation change) {
        if (!RecordContract.sessionKey(change.getTenant(), change.getSessionId()).equals(sessionKey)) {
            // The key decides the partition and the store entry; a record whose body names another session or tenant
            // would show in the wrong one.
            throw new PoisonRecordException("Annotation keyed '" + sessionKey + "' names tenant '"
                    + change.getTenant() + "' and session '" + change.getSessionId() + "'");
        }
        Annotation put = change.getAnnotation();
        if (change.getAction() == AnnotationAction.PUT && (put == null
                || !change.getAnnotationId().equals(put.getAnnotationId()))) {
            throw new PoisonRecordException("PUT annotation '" + change.getAnnotationId()
                    + "' without the annotation of that id");
        }
        if (change.getAnnotationId().isEmpty() || change.getAnnotationId().length() > Annotations.MAX_ID_CHARS) {
            throw new PoisonRecordException("Annotation id empty or longer than " + Annotations.MAX_ID_CHARS
                    + " characters");
        }
        if (put != null) {
            if (put.getTraceId() != null && !TRACE_ID.matcher(put.getTraceId()).matches()) {
                throw new PoisonRecordException("Annotation trace id '" + put.getTraceId()
                        + "' is not 32 lowercase hex digits");
            }
            int cut = Annotations.bound(put);
            if (cut > 0) {
                annotationFieldsCut.record(cut);
            }
        }
        long nowMs = context.currentSystemTimeMs();
        Bytes key = StoreKeys.annotation(sessionKey, change.getAnnotationId());
        List<Annotation> all = annotationsOf(sessionKey);
        Annotation before = null;
        for (int i = 0; i < all.size(); i++) {
            if (all.get(i).getAnnotationId().equals(change.getAnnotationId())) {
                before = all.remove(i);
                break;
            }
        }
        SessionState state = sessions.get(sessionKey);
        if (change.getAction() == AnnotationAction.DELETE) {
            if (before == null) {
                return;
            }
            annotations.delete(key);
        } else {
            if (before == null && all.size() >= Annotations.MAX_PER_SESSION) {
                annotationsDropped.record();
                if (state != null) {
                    SessionSummary summary = state.getSummary();
                    summary.setAnnotationsDropped(summary.getAnnotationsDropped() + 1);
                    sessions.put(sessionKey, state);
                    changedSessions.put(sessionKey, summary);
                    index.markPending();
                }
                return;
            }
            annotations.put(key, put);
            all.add(put);
        }
        Annotation changed = put != null ? put : before;
        if (state != null) {
            SessionSummary summary = state.getSummary();
            setAnnotations(summary, all);
            summary.setUpdatedAt(Instant.ofEpochMilli(nowMs));
            state.setAnnotationCount(all.size());
            sessions.put(sessionKey, state);
            changedSessions.put(sessionKey, summary);
            index.markPending();
            showOnTurn(sessionKey, before, all, nowMs);
            if (put != null && (before == null || !Objects.equals(put.getTraceId(), before.getTraceId()))) {
                showOnTurn(sessionKey, put, all, nowMs);
            }
        } else if (put != null && before == null && all.size() == 1) {
            // No session yet: the annotations wait for it, and are deleted after the retention if it never comes.
            // One deadline for them all, filed by the first: at it, a later one's time files it again.
            deadlines.put(StoreKeys.deadline(lifecycle.expiresAt(nowMs), sessionKey), StoreKeys.NO_VALUE);
        }
        forwardEvent(sessionKey, SessionEvent.newBuilder()
                .setTenant(change.getTenant())
                .setSessionId(change.getSessionId())
                .setType(SessionEventType.ANNOTATED)
                .setTime(Instant.ofEpochMilli(nowMs))
                .setTraceCount(state == null ? 0 : state.getSummary().getTraceCount())
                .setAnnotationId(change.getAnnotationId())
                .setAnnotationName(changed.getName())
                .setTraceId(changed.getTraceId())
                .build(), nowMs);
    }

    /** Lists the annotations of {@code annotation}'s turn on the turn again, if it is a turn's and the turn exists. */
    private void showOnTurn(String sessionKey, Annotation annotation, List<Annotation> all, long nowMs) {
        if (annotation == null || annotation.getTraceId() == null) {
            return;
        }
        Long start = turnIndex.get(StoreKeys.turnIndex(sessionKey, annotation.getTraceId()));
        if (start == null) {
            return;
        }
        Bytes transcriptKey = StoreKeys.transcript(sessionKey, start, annotation.getTraceId());
        Turn turn = transcripts.get(transcriptKey);
        turn.setAnnotations(Annotations.ofTurn(all, annotation.getTraceId()));
        turn.setUpdatedAt(Instant.ofEpochMilli(nowMs));
        transcripts.put(transcriptKey, turn);
        changedTurns.put(new TurnRef(sessionKey, turn.getTraceId()), turn);
    }

    private static void setAnnotations(SessionSummary summary, List<Annotation> all) {
        Annotations.Summary byName = Annotations.summarize(all);
        summary.setAnnotations(byName.byName());
        summary.setAnnotationNamesCut(byName.namesCut());
    }

    /** Every annotation the store keeps for a session and its turns, in key order. */
    private List<Annotation> annotationsOf(String sessionKey) {
        List<Annotation> all = new ArrayList<>();
        try (KeyValueIterator<Bytes, Annotation> it = annotations.prefixScan(StoreKeys.annotationsOf(sessionKey),
                new BytesSerializer())) {
            it.forEachRemaining(entry -> all.add(entry.value));
        }
        return all;
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
                expireWaitingAnnotations(sessionKey, nowMs);
                continue;
            }
            if (state.getDeadlineMs() != StoreKeys.deadlineTime(deadlineKey)) {
                // Filed for annotations that came before the session: the session has its own entry.
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

    /**
     * At a deadline of annotations whose session has not come: deletes them once the retention has passed since the
     * latest was written, else files the check again for then.
     */
    private void expireWaitingAnnotations(String sessionKey, long nowMs) {
        List<Annotation> waiting = annotationsOf(sessionKey);
        long latestMs = waiting.stream().mapToLong(a -> a.getCreatedAt().toEpochMilli()).max().orElse(Long.MIN_VALUE);
        if (latestMs == Long.MIN_VALUE) {
            return;
        }
        long expiresAt = lifecycle.expiresAt(latestMs);
        if (expiresAt > nowMs) {
            deadlines.put(StoreKeys.deadline(expiresAt, sessionKey), StoreKeys.NO_VALUE);
        } else {
            deleteAnnotations(sessionKey, waiting);
        }
    }

    private void deleteAnnotations(String sessionKey, List<Annotation> all) {
        for (Annotation annotation : all) {
            annotations.delete(StoreKeys.annotation(sessionKey, annotation.getAnnotationId()));
        }
    }

    private void expire(String sessionKey, SessionSummary summary, long nowMs) {
        deleteTranscript(sessionKey);
        deleteAnnotations(sessionKey, annotationsOf(sessionKey));
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
        context.metrics().removeSensor(annotationsDropped);
        context.metrics().removeSensor(annotationFieldsCut);
        if (rebuilds != null) {
            context.metrics().removeSensor(rebuilds);
        }
    }

    private void emitEvent(String sessionKey, SessionSummary summary, SessionEventType type, long nowMs) {
        forwardEvent(sessionKey, event(summary, type, nowMs).build(), nowMs);
    }

    private static SessionEvent.Builder event(SessionSummary summary, SessionEventType type, long nowMs) {
        return SessionEvent.newBuilder().setTenant(summary.getTenant()).setSessionId(summary.getSessionId())
                .setType(type).setTime(Instant.ofEpochMilli(nowMs)).setTraceCount(summary.getTraceCount());
    }

    private void forwardEvent(String sessionKey, SessionEvent event, long nowMs) {
        context.forward(new Record<String, SpecificRecord>(sessionKey, event, nowMs), SessionTopology.EVENTS_SINK);
    }
}
