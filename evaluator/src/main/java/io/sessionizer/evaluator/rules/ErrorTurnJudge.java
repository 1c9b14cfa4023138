package io.sessionizer.evaluator.rules;

import io.sessionizer.evaluator.Judge;
import io.sessionizer.evaluator.SessionView;
import io.sessionizer.evaluator.TurnView;
import io.sessionizer.evaluator.Verdict;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A turn that failed (any span with status ERROR): the session verdict {@value #SESSION_VERDICT} ({@code pass},
 * score 1, when no turn failed; {@code fail}, score 0, otherwise), and the turn verdict {@value #TURN_VERDICT}
 * ({@code fail}, score 0) on each failed turn, naming its failed calls.
 */
public final class ErrorTurnJudge implements Judge {
    public static final String SESSION_VERDICT = "has_error_turn";
    public static final String TURN_VERDICT = "error";
    /** Failed calls named in a turn verdict at most, so that its metadata stays within the API's 1,000 bytes. */
    static final int MAX_CALLS_NAMED = 10;

    @Override
    public String name() {
        return "error-turn";
    }

    @Override
    public Set<String> flagNames() {
        return Set.of(TURN_VERDICT);
    }

    @Override
    public List<Verdict> judge(SessionView session, List<TurnView> turns) {
        List<Verdict> verdicts = new ArrayList<>();
        int failed = 0;
        for (TurnView turn : turns) {
            if (turn.failed()) {
                failed++;
                List<String> all = turn.failedCalls();
                List<String> calls = all.subList(0, Math.min(all.size(), MAX_CALLS_NAMED));
                String more = all.size() > calls.size() ? " and " + (all.size() - calls.size()) + " more" : "";
                verdicts.add(Verdict.turn(turn.traceId(), TURN_VERDICT, Verdict.FAIL, 0.0,
                        calls.isEmpty() ? "The turn ended with an error."
                                : "The turn ended with an error; failed: " + String.join(", ", calls) + more + ".",
                        Map.of("failed_calls", List.copyOf(calls), "failed_call_count", all.size())));
            }
        }
        String explanation = failed == 0 ? "No turn failed."
                : String.format(Locale.ROOT, "%d of %d turns failed.", failed, turns.size());
        verdicts.add(0, Verdict.passOrFail(null, SESSION_VERDICT, failed == 0, explanation,
                Map.of("turns", turns.size(), "failed_turns", failed)));
        return verdicts;
    }
}
