package io.sessionizer.evaluator.rules;

import io.sessionizer.evaluator.TurnView;
import io.sessionizer.evaluator.Verdict;
import java.util.Locale;
import java.util.Map;

/**
 * A turn without an answer (its output missing or blank): the turn verdict {@value #TURN_VERDICT} ({@code fail},
 * score 0) on each, and the session verdict {@value #SESSION_VERDICT} whose score counts them ({@code pass} at 0,
 * else {@code fail}).
 */
public final class EmptyAnswerJudge extends PerTurnRule {
    public static final String TURN_VERDICT = "empty_answer";
    public static final String SESSION_VERDICT = "empty_answers";

    public EmptyAnswerJudge() {
        super("empty-answer", TURN_VERDICT);
    }

    @Override
    boolean flags(TurnView turn) {
        return turn.output() == null || turn.output().isBlank();
    }

    @Override
    Verdict turnVerdict(TurnView turn) {
        return Verdict.turn(turn.traceId(), TURN_VERDICT, Verdict.FAIL, 0.0,
                turn.output() == null ? "The turn has no answer." : "The turn's answer is blank.", null);
    }

    @Override
    Verdict sessionVerdict(int flagged, int turns) {
        String explanation = flagged == 0 ? "Every turn has an answer."
                : String.format(Locale.ROOT, "%d of %d turns have no answer.", flagged, turns);
        return Verdict.session(SESSION_VERDICT, flagged == 0 ? Verdict.PASS : Verdict.FAIL, (double) flagged,
                explanation, Map.of("turns", turns, "empty_answers", flagged));
    }
}
