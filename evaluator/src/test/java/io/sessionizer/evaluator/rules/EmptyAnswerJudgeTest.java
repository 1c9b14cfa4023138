package io.sessionizer.evaluator.rules;

import static io.sessionizer.evaluator.Sessions.summary;
import static io.sessionizer.evaluator.Sessions.traceId;
import static io.sessionizer.evaluator.Sessions.turn;
import static io.sessionizer.evaluator.Sessions.views;
import static org.assertj.core.api.Assertions.assertThat;

import io.sessionizer.evaluator.SessionView;
import io.sessionizer.evaluator.Verdict;
import java.util.List;
import org.junit.jupiter.api.Test;

class EmptyAnswerJudgeTest {
    private final EmptyAnswerJudge judge = new EmptyAnswerJudge();

    @Test
    void shouldPassWhenEveryTurnHasAnAnswer() {
        List<Verdict> verdicts = judge.judge(SessionView.of("default", summary("s", 1, 0, 0, 0)),
                views(turn(1, "ok", "hi", "hello")));

        assertThat(verdicts).singleElement().satisfies(v -> {
            assertThat(v.name()).isEqualTo("empty_answers");
            assertThat(v.label()).isEqualTo("pass");
            assertThat(v.score()).isEqualTo(0.0);
        });
    }

    @Test
    void shouldFlagAMissingAndABlankAnswerAndCountThemOnTheSession() {
        List<Verdict> verdicts = judge.judge(SessionView.of("default", summary("s", 4, 0, 0, 0)), views(
                turn(1, "ok", "hi", "hello"), turn(2, "ok", "and?", null), turn(3, "ok", "so?", " \n\t"),
                turn(4, "ok", null, "unprompted")));

        assertThat(verdicts).extracting(Verdict::traceId).containsExactly(null, traceId(2), traceId(3));
        assertThat(verdicts.get(0)).satisfies(v -> {
            assertThat(v.name()).isEqualTo("empty_answers");
            assertThat(v.label()).isEqualTo("fail");
            assertThat(v.score()).isEqualTo(2.0);
            assertThat(v.explanation()).isEqualTo("2 of 4 turns have no answer.");
            assertThat(v.metadata()).containsEntry("empty_answers", 2).containsEntry("turns", 4);
        });
        assertThat(verdicts.subList(1, 3)).allSatisfy(v -> {
            assertThat(v.name()).isEqualTo("empty_answer");
            assertThat(v.label()).isEqualTo("fail");
            assertThat(v.score()).isEqualTo(0.0);
        });
        assertThat(verdicts.get(1).explanation()).isEqualTo("The turn has no answer.");
        assertThat(verdicts.get(2).explanation()).isEqualTo("The turn's answer is blank.");
    }
}
