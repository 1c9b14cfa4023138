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
 * A turn without an answer (its output missing or blank): the turn verdict {@value #TURN_VERDICT} ({@code fail},
 * score 0) on each, and the session verdict {@value #SESSION_VERDICT} whose score counts them ({@code pass} at 0,
 * else {@code fail}).
 */
public final class EmptyAnswerJudge implements Judge {
    public static final String TURN_VERDICT = "empty_answer";
    public static final String SESSION_VERDICT = "empty_answers";

    @Override
    public String name() {
        return "empty-answer";
    }

    @Override
    public Set<String> flagNames() {
        return Set.of(TURN_VERDICT);
    }

    @Override
    public List<Verdict> judge(SessionView session, List<TurnView> turns) {
        List<Verdict> verdicts = new ArrayList<>();
        int empty = 0;
        for (TurnView turn : turns) {
            if (turn.output() == null || turn.output().isBlank()) {
                empty++;
                verdicts.add(Verdict.turn(turn.traceId(), TURN_VERDICT, Verdict.FAIL, 0.0,
                        turn.output() == null ? "The turn has no answer." : "The turn's answer is blank.", null));
            }
        }
        String explanation = empty == 0 ? "Every turn has an answer."
                : String.format(Locale.ROOT, "%d of %d turns have no answer.", empty, turns.size());
        verdicts.add(0, Verdict.session(SESSION_VERDICT, empty == 0 ? Verdict.PASS : Verdict.FAIL, (double) empty,
                explanation, Map.of("turns", turns.size(), "empty_answers", empty)));
        return verdicts;
    }
}
