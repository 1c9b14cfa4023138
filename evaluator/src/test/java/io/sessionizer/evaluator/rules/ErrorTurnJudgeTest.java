package io.sessionizer.evaluator.rules;

import static io.sessionizer.evaluator.Sessions.summary;
import static io.sessionizer.evaluator.Sessions.traceId;
import static io.sessionizer.evaluator.Sessions.turn;
import static io.sessionizer.evaluator.Sessions.views;
import static io.sessionizer.evaluator.Sessions.withCall;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sessionizer.evaluator.SessionView;
import io.sessionizer.evaluator.Sessions;
import io.sessionizer.evaluator.Verdict;
import java.util.List;
import org.junit.jupiter.api.Test;

class ErrorTurnJudgeTest {
    private final ErrorTurnJudge judge = new ErrorTurnJudge();

    @Test
    void shouldPassASessionWithoutAFailedTurnAndFlagNoTurn() {
        List<Verdict> verdicts = judge.judge(SessionView.of("default", summary("s", 2, 0, 0, 0)),
                views(turn(1, "ok", "hi", "hello"), turn(2, "ok", "and?", "done")));

        assertThat(verdicts).singleElement().satisfies(v -> {
            assertThat(v.onSession()).isTrue();
            assertThat(v.name()).isEqualTo("has_error_turn");
            assertThat(v.label()).isEqualTo("pass");
            assertThat(v.score()).isEqualTo(1.0);
            assertThat(v.metadata()).containsEntry("turns", 2).containsEntry("failed_turns", 0);
        });
    }

    @Test
    void shouldNameTenFailedCallsAtMostSoThatTheMetadataStaysSmall() throws Exception {
        ObjectNode turn = turn(1, "error", "everything", "nothing worked");
        for (int i = 0; i < 40; i++) {
            withCall(turn, "tool_calls", "tool_with_a_rather_long_name_" + i, "error");
        }

        Verdict verdict = judge.judge(SessionView.of("default", summary("s", 1, 1, 0, 0)), views(turn)).get(1);

        assertThat((List<?>) verdict.metadata().get("failed_calls")).hasSize(10);
        assertThat(verdict.metadata()).containsEntry("failed_call_count", 40);
        assertThat(verdict.explanation()).endsWith("tool tool_with_a_rather_long_name_9 and 30 more.");
        assertThat(Sessions.JSON.writeValueAsBytes(verdict.metadata()).length).isLessThan(1000);
    }

    @Test
    void shouldFailTheSessionAndFlagEachFailedTurnWithItsFailedCalls() {
        List<Verdict> verdicts = judge.judge(SessionView.of("default", summary("s", 3, 2, 0, 0)), views(
                turn(1, "ok", "hi", "hello"),
                withCall(withCall(turn(2, "error", "search", "sorry"), "tool_calls", "web_search", "error"),
                        "llm_calls", "gpt-4o", "ok"),
                turn(3, "error", "again", null)));

        assertThat(verdicts).hasSize(3);
        Verdict session = verdicts.get(0);
        assertThat(session.onSession()).isTrue();
        assertThat(session.label()).isEqualTo("fail");
        assertThat(session.score()).isEqualTo(0.0);
        assertThat(session.explanation()).isEqualTo("2 of 3 turns failed.");
        assertThat(verdicts.subList(1, 3)).allSatisfy(v -> {
            assertThat(v.name()).isEqualTo("error");
            assertThat(v.label()).isEqualTo("fail");
            assertThat(v.score()).isEqualTo(0.0);
        });
        assertThat(verdicts.get(1).traceId()).isEqualTo(traceId(2));
        assertThat(verdicts.get(1).explanation()).isEqualTo("The turn ended with an error; failed: tool web_search.");
        assertThat(verdicts.get(1).metadata()).containsEntry("failed_calls", List.of("tool web_search"))
                .containsEntry("failed_call_count", 1);
        assertThat(verdicts.get(2).traceId()).isEqualTo(traceId(3));
        assertThat(verdicts.get(2).explanation()).isEqualTo("The turn ended with an error.");
    }
}
