package io.sessionizer.aggregator.domain;

/**
 * The order of a session's turns: by start time, then by trace id (lowercase hex, which sorts as its bytes). The
 * transcript is kept in this order, and a session's first input and last output are those of its first and last turn
 * in it, whatever order the spans arrive in.
 */
public final class TurnOrder {
    private TurnOrder() {
    }

    /** What becomes of the session's last turn when one of its turns changes. */
    public enum Last {
        /** The changed turn is the last one now. */
        THIS_TURN,
        /** The last turn stays what it was. */
        UNCHANGED,
        /** The last turn moved earlier (its root span came late): it must be looked up again. */
        LOOK_UP
    }

    /** Compares two turns by start time (epoch microseconds), then trace id. */
    public static int compare(long start, String traceId, long otherStart, String otherTraceId) {
        int byStart = Long.compare(start, otherStart);
        return byStart != 0 ? byStart : traceId.compareTo(otherTraceId);
    }

    /**
     * Whether the changed turn is the session's first now; {@code firstTraceId} is null for a new session. A turn
     * only moves earlier as spans arrive, so a turn that was first stays first.
     */
    public static boolean isFirst(long start, String traceId, long firstStart, String firstTraceId) {
        return firstTraceId == null || compare(start, traceId, firstStart, firstTraceId) <= 0;
    }

    /** The session's last turn after the changed turn moved to {@code start}; {@code lastTraceId} null when new. */
    public static Last last(long start, String traceId, long lastStart, String lastTraceId) {
        if (lastTraceId == null || compare(start, traceId, lastStart, lastTraceId) >= 0) {
            return Last.THIS_TURN;
        }
        return traceId.equals(lastTraceId) ? Last.LOOK_UP : Last.UNCHANGED;
    }
}
