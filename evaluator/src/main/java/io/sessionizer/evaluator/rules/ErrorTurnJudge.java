package io.sessionizer.evaluator.rules;

import io.sessionizer.evaluator.TurnView;
import io.sessionizer.evaluator.Verdict;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A turn that failed (any span with status ERROR): the session verdict {@value #SESSION_VERDICT} ({@code pass},
 * score 1, when no turn failed; {@code fail}, score 0, otherwise), and the turn verdict {@value #TURN_VERDICT}
 * ({@code fail}, score 0) on each failed turn, naming its failed calls.
 */
public final class ErrorTurnJudge extends PerTurnRule {
    public static final String SESSION_VERDICT = "has_error_turn";
    public static final String TURN_VERDICT = "error";
    /** Failed calls named in a turn verdict at most, so that its metadata stays within the API's 1,000 bytes. */
    static final int MAX_CALLS_NAMED = 10;

    public ErrorTurnJudge() {
        super("error-turn", TURN_VERDICT);
    }

    @Override
    boolean flags(TurnView turn) {
        return turn.failed();
    }

    @Override
    Verdict turnVerdict(TurnView turn) {
        List<String> all = turn.failedCalls();
        List<String> calls = all.subList(0, Math.min(all.size(), MAX_CALLS_NAMED));
        String more = all.size() > calls.size() ? " and " + (all.size() - calls.size()) + " more" : "";
        return Verdict.turn(turn.traceId(), TURN_VERDICT, Verdict.FAIL, 0.0,
                calls.isEmpty() ? "The turn ended with an error."
                        : "The turn ended with an error; failed: " + String.join(", ", calls) + more + ".",
                Map.of("failed_calls", List.copyOf(calls), "failed_call_count", all.size()));
    }

    @Override
    Verdict sessionVerdict(int flagged, int turns) {
        String explanation = flagged == 0 ? "No turn failed."
                : String.format(Locale.ROOT, "%d of %d turns failed.", flagged, turns);
        return Verdict.passOrFail(null, SESSION_VERDICT, flagged == 0, explanation,
                Map.of("turns", turns, "failed_turns", flagged));
    }
}
