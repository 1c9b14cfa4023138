package io.sessionizer.aggregator.domain;

import io.sessionizer.schemas.Cost;
import io.sessionizer.schemas.IoValue;
import io.sessionizer.schemas.LatencyMs;
import io.sessionizer.schemas.SessionStatus;
import io.sessionizer.schemas.SessionSummary;
import io.sessionizer.schemas.TokenCount;
import io.sessionizer.schemas.Turn;
import io.sessionizer.schemas.TurnStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Session arithmetic. A turn is re-sent each time more of its spans arrive, so a summary takes the difference between
 * the turn's new and previous version: every span counts once however many times its trace is updated. Metadata keep
 * the first value seen for a key and tags are a set in order of first use, both within the {@link TurnLimits}; only
 * what a turn's new version adds is considered, so an entry dropped over the bounds is counted once.
 */
public final class SessionAggregator {
    private static final TokenCount NO_TOKENS = new TokenCount(0L, 0L, 0L, 0L, 0L, 0L);
    private static final Cost NO_COST = new Cost(0.0, 0.0, 0.0, 0L, List.of());
    private SessionAggregator() {
    }

    /**
     * The summary after one turn changed.
     *
     * @param previous the summary before, or null for a new session
     * @param latency the session's turn durations, updated in place
     * @param before the turn's previous version, or null for a new turn
     * @param after the turn's new version
     * @param first the session's first turn by start time after the change, or null when that is not this turn and
     *     did not change
     * @param last the session's last turn by start time after the change, or null likewise
     * @param cuts where metadata and tags dropped over the session's bounds are counted
     */
    public static SessionSummary apply(SessionSummary previous, LatencySketch latency, Turn before, Turn after,
            Turn first, Turn last, Instant now, TurnLimits.Cuts cuts) {
        SessionSummary s = previous != null ? previous : empty(after);
        s.setTraceCount(s.getTraceCount() + (before == null ? 1 : 0));
        s.setTracesWithError(s.getTracesWithError() + errors(after) - errors(before));
        s.setSpanCount(s.getSpanCount() + after.getSpanCount() - (before == null ? 0 : before.getSpanCount()));
        s.setLlmCallCount(s.getLlmCallCount() + after.getLlmCallCount()
                - (before == null ? 0 : before.getLlmCallCount()));
        s.setTokenCount(addTokens(s.getTokenCount(), after.getTokenCount(), before == null ? null
                : before.getTokenCount()));
        s.setCost(addCost(s.getCost(), after.getCost(), before == null ? null : before.getCost()));
        if (after.getStartTime().isBefore(s.getStartTime())) {
            s.setStartTime(after.getStartTime());
        }
        if (after.getEndTime().isAfter(s.getEndTime())) {
            s.setEndTime(after.getEndTime());
        }
        if (after.getProject() != null && !s.getProjects().contains(after.getProject())
                && s.getProjects().size() < TurnLimits.MAX_NAMES) {
            s.getProjects().add(after.getProject());
        }
        if (s.getUserId() == null) {
            s.setUserId(after.getUserId());
        }
        for (String model : after.getModels()) {
            if (!s.getModels().contains(model) && s.getModels().size() < TurnLimits.MAX_NAMES) {
                s.getModels().add(model);
            }
        }
        Metadata.putAll(s.getMetadata(), after.getMetadata(), before == null ? Map.of() : before.getMetadata(), cuts);
        Metadata.addTags(s.getTags(), after.getTags(), before == null ? List.of() : before.getTags(), cuts);
        if (before != null) {
            latency.remove(durationMs(before));
        }
        latency.add(durationMs(after));
        s.setLatencyMs(new LatencyMs(latency.quantile(0.5), latency.quantile(0.99)));
        if (first != null) {
            s.setFirstInput(copy(first.getInput()));
        }
        if (last != null) {
            s.setLastOutput(copy(last.getOutput()));
        }
        s.setStatus(SessionStatus.ACTIVE);
        s.setUpdatedAt(now);
        return s;
    }

    private static SessionSummary empty(Turn turn) {
        return SessionSummary.newBuilder()
                .setTenant(turn.getTenant())
                .setSessionId(turn.getSessionId())
                .setProjects(new ArrayList<>())
                .setModels(new ArrayList<>())
                .setMetadata(new HashMap<>())
                .setTags(new ArrayList<>())
                .setStartTime(turn.getStartTime())
                .setEndTime(turn.getEndTime())
                .setTraceCount(0)
                .setSpanCount(0)
                .setTokenCount(new TokenCount(0L, 0L, 0L, 0L, 0L, 0L))
                .setCost(new Cost(0.0, 0.0, 0.0, 0L, new ArrayList<>()))
                .setLatencyMs(new LatencyMs(null, null))
                .setStatus(SessionStatus.ACTIVE)
                .setUpdatedAt(turn.getUpdatedAt())
                .build();
    }

    /** In doubles, not {@code toNanos()}: span times are any 64-bit nanos, and centuries apart overflow a long. */
    static double durationMs(Turn turn) {
        Duration duration = Duration.between(turn.getStartTime(), turn.getEndTime());
        return duration.getSeconds() * 1e3 + duration.getNano() / 1e6;
    }

    private static int errors(Turn turn) {
        return turn != null && turn.getStatus() == TurnStatus.ERROR ? 1 : 0;
    }

    private static TokenCount addTokens(TokenCount sum, TokenCount after, TokenCount before) {
        TokenCount none = before != null ? before : NO_TOKENS;
        return new TokenCount(
                sum.getPrompt() + after.getPrompt() - none.getPrompt(),
                sum.getCompletion() + after.getCompletion() - none.getCompletion(),
                sum.getTotal() + after.getTotal() - none.getTotal(),
                sum.getCacheRead() + after.getCacheRead() - none.getCacheRead(),
                sum.getCacheWrite() + after.getCacheWrite() - none.getCacheWrite(),
                sum.getReasoning() + after.getReasoning() - none.getReasoning());
    }

    /** Sums, and the session's unpriced models: those of any turn, in order of first use, bounded. */
    private static Cost addCost(Cost sum, Cost after, Cost before) {
        Cost none = before != null ? before : NO_COST;
        List<String> unpriced = new ArrayList<>(sum.getUnpricedModels());
        for (String model : after.getUnpricedModels()) {
            if (!unpriced.contains(model) && unpriced.size() < TurnLimits.MAX_NAMES) {
                unpriced.add(model);
            }
        }
        return new Cost(
                sum.getPrompt() + after.getPrompt() - none.getPrompt(),
                sum.getCompletion() + after.getCompletion() - none.getCompletion(),
                sum.getTotal() + after.getTotal() - none.getTotal(),
                sum.getUnpricedCalls() + after.getUnpricedCalls() - none.getUnpricedCalls(),
                unpriced);
    }

    private static IoValue copy(IoValue value) {
        return value == null ? null : IoValue.newBuilder(value).build();
    }
}
