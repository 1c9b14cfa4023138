package io.sessionizer.aggregator.topology;

import io.sessionizer.aggregator.domain.SessionAggregator;
import io.sessionizer.aggregator.store.StoreKeys;
import io.sessionizer.schemas.SessionSummary;
import io.sessionizer.schemas.Turn;
import io.sessionizer.schemas.internal.SessionState;
import java.time.Instant;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Stage 2, keyed by session: files each turn in the transcript under (session, start time, trace id) and folds the
 * change into the session summary. A turn whose start moved earlier (its root span came late) is re-filed, so
 * transcripts stay in start order and first_input / last_output follow start times whatever the arrival order.
 */
final class SessionProcessor implements Processor<String, Turn, Void, Void> {
    private ProcessorContext<Void, Void> context;
    private KeyValueStore<String, SessionState> sessions;
    private KeyValueStore<Bytes, Turn> transcripts;
    private KeyValueStore<Bytes, Long> turnIndex;

    @Override
    public void init(ProcessorContext<Void, Void> context) {
        this.context = context;
        this.sessions = context.getStateStore(SessionTopology.SESSIONS_STORE);
        this.transcripts = context.getStateStore(SessionTopology.TRANSCRIPTS_STORE);
        this.turnIndex = context.getStateStore(SessionTopology.TURN_INDEX_STORE);
    }

    @Override
    public void process(Record<String, Turn> record) {
        String sessionKey = record.key();
        Turn turn = record.value();
        long start = micros(turn.getStartTime());

        Bytes indexKey = StoreKeys.turnIndex(sessionKey, turn.getTraceId());
        Long previousStart = turnIndex.get(indexKey);
        Turn previous = null;
        if (previousStart != null) {
            Bytes previousKey = StoreKeys.transcript(sessionKey, previousStart, turn.getTraceId());
            previous = transcripts.get(previousKey);
            if (previousStart != start) {
                transcripts.delete(previousKey);
            }
        }
        transcripts.put(StoreKeys.transcript(sessionKey, start, turn.getTraceId()), turn);
        if (previousStart == null || previousStart != start) {
            turnIndex.put(indexKey, start);
        }

        SessionState state = sessions.get(sessionKey);
        SessionSummary summary = SessionAggregator.apply(state == null ? null : state.getSummary(), previous, turn,
                edge(sessionKey, false), edge(sessionKey, true), Instant.ofEpochMilli(context.currentSystemTimeMs()));
        sessions.put(sessionKey, new SessionState(summary));
    }

    /** The first (or last) turn of a session by start time: one seek in the ordered store. */
    private Turn edge(String sessionKey, boolean last) {
        Bytes from = StoreKeys.transcriptFrom(sessionKey);
        Bytes to = StoreKeys.transcriptTo(sessionKey);
        try (KeyValueIterator<Bytes, Turn> it = last ? transcripts.reverseRange(from, to)
                : transcripts.range(from, to)) {
            KeyValue<Bytes, Turn> entry = it.next();
            return entry.value;
        }
    }

    private static long micros(Instant time) {
        return Math.addExact(Math.multiplyExact(time.getEpochSecond(), 1_000_000L), time.getNano() / 1000L);
    }
}
