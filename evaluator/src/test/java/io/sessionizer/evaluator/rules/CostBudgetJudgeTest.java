package io.sessionizer.evaluator.rules;

import static io.sessionizer.evaluator.Sessions.summary;
import static io.sessionizer.evaluator.Sessions.turn;
import static io.sessionizer.evaluator.Sessions.views;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sessionizer.evaluator.SessionView;
import io.sessionizer.evaluator.Verdict;
import org.junit.jupiter.api.Test;

class CostBudgetJudgeTest {
    @Test
    void shouldPassASessionWithinTheBudgetItsEqualIncluded() {
        Verdict verdict = new CostBudgetJudge(0.05).judge(SessionView.of("default", summary("s", 1, 0, 0.05, 0)),
                views(turn(1, "ok", "hi", "hello"))).get(0);

        assertThat(verdict.onSession()).isTrue();
        assertThat(verdict.name()).isEqualTo("over_budget");
        assertThat(verdict.label()).isEqualTo("pass");
        assertThat(verdict.score()).isEqualTo(1.0);
        assertThat(verdict.explanation()).isEqualTo("The session cost $0.050000, within the budget of $0.050000.");
    }

    @Test
    void shouldFailASessionOverTheBudgetAndSayWhatWasNotPriced() {
        Verdict verdict = new CostBudgetJudge(0.01).judge(SessionView.of("default", summary("s", 1, 0, 0.0125, 2)),
                views(turn(1, "ok", "hi", "hello"))).get(0);

        assertThat(verdict.label()).isEqualTo("fail");
        assertThat(verdict.score()).isEqualTo(0.0);
        assertThat(verdict.explanation()).isEqualTo("The session cost $0.012500, over the budget of $0.010000."
                + " 2 LLM calls of models without a price are not counted.");
        assertThat(verdict.metadata()).containsEntry("cost", 0.0125).containsEntry("max_cost", 0.01)
                .containsEntry("unpriced_calls", 2L);
    }

    @Test
    void shouldRefuseANegativeOrEndlessBudget() {
        assertThatThrownBy(() -> new CostBudgetJudge(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new CostBudgetJudge(Double.NaN)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new CostBudgetJudge(Double.POSITIVE_INFINITY))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
