package io.sessionizer.evaluator.rules;

import io.sessionizer.evaluator.Judge;
import io.sessionizer.evaluator.SessionView;
import io.sessionizer.evaluator.TurnView;
import io.sessionizer.evaluator.Verdict;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A session that cost more than a budget in USD: the session verdict {@value #SESSION_VERDICT}, {@code pass} (score
 * 1) within the budget, {@code fail} (score 0) over it. Calls of models without a price count nothing, so the
 * explanation says when there were some.
 */
public final class CostBudgetJudge implements Judge {
    public static final String SESSION_VERDICT = "over_budget";

    private final double maxCostUsd;

    /** @param maxCostUsd the budget of one session in USD, not negative */
    public CostBudgetJudge(double maxCostUsd) {
        if (!(maxCostUsd >= 0) || Double.isInfinite(maxCostUsd)) {
            throw new IllegalArgumentException("The cost budget must be a finite number of USD, not negative: "
                    + maxCostUsd);
        }
        this.maxCostUsd = maxCostUsd;
    }

    @Override
    public String name() {
        return "cost-budget";
    }

    @Override
    public List<Verdict> judge(SessionView session, List<TurnView> turns) {
        boolean within = session.cost() <= maxCostUsd;
        String explanation = String.format(Locale.ROOT, "The session cost $%.6f, %s the budget of $%.6f.",
                session.cost(), within ? "within" : "over", maxCostUsd);
        if (session.unpricedCalls() > 0) {
            explanation += String.format(Locale.ROOT, " %d LLM calls of models without a price are not counted.",
                    session.unpricedCalls());
        }
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("cost", session.cost());
        metadata.put("max_cost", maxCostUsd);
        metadata.put("unpriced_calls", session.unpricedCalls());
        return List.of(Verdict.passOrFail(null, SESSION_VERDICT, within, explanation, metadata));
    }
}
