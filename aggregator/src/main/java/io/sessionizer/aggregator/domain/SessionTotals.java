package io.sessionizer.aggregator.domain;

import io.sessionizer.schemas.SessionStatus;
import io.sessionizer.schemas.SessionSummary;
import java.nio.ByteBuffer;

/**
 * Running totals over sessions: what {@code /api/v1/stats} answers. A session contributes its own numbers; totals are
 * kept by adding a session's new contribution and subtracting its previous one, never by scanning.
 */
public record SessionTotals(long sessions, long activeSessions, long traces, long promptTokens,
        long completionTokens, long totalTokens, double promptCost, double completionCost, double totalCost) {
    public static final SessionTotals ZERO = new SessionTotals(0, 0, 0, 0, 0, 0, 0, 0, 0);
    private static final int BYTES = 6 * Long.BYTES + 3 * Double.BYTES;

    /** The contribution of one session. */
    public static SessionTotals of(SessionSummary s) {
        return new SessionTotals(1, s.getStatus() == SessionStatus.ACTIVE ? 1 : 0, s.getTraceCount(),
                s.getTokenCount().getPrompt(), s.getTokenCount().getCompletion(), s.getTokenCount().getTotal(),
                s.getCost().getPrompt(), s.getCost().getCompletion(), s.getCost().getTotal());
    }

    public SessionTotals plus(SessionTotals o) {
        return new SessionTotals(sessions + o.sessions, activeSessions + o.activeSessions, traces + o.traces,
                promptTokens + o.promptTokens, completionTokens + o.completionTokens, totalTokens + o.totalTokens,
                promptCost + o.promptCost, completionCost + o.completionCost, totalCost + o.totalCost);
    }

    public SessionTotals minus(SessionTotals o) {
        return new SessionTotals(sessions - o.sessions, activeSessions - o.activeSessions, traces - o.traces,
                promptTokens - o.promptTokens, completionTokens - o.completionTokens, totalTokens - o.totalTokens,
                promptCost - o.promptCost, completionCost - o.completionCost, totalCost - o.totalCost);
    }

    public byte[] toBytes() {
        return ByteBuffer.allocate(BYTES).putLong(sessions).putLong(activeSessions).putLong(traces)
                .putLong(promptTokens).putLong(completionTokens).putLong(totalTokens)
                .putDouble(promptCost).putDouble(completionCost).putDouble(totalCost).array();
    }

    /** The totals stored as {@link #toBytes()}; null reads as zero. */
    public static SessionTotals fromBytes(byte[] bytes) {
        if (bytes == null) {
            return ZERO;
        }
        ByteBuffer b = ByteBuffer.wrap(bytes);
        return new SessionTotals(b.getLong(), b.getLong(), b.getLong(), b.getLong(), b.getLong(), b.getLong(),
                b.getDouble(), b.getDouble(), b.getDouble());
    }
}
