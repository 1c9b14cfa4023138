package io.sessionizer.evaluator;

import static io.sessionizer.evaluator.Sessions.summary;
import static io.sessionizer.evaluator.Sessions.turn;
import static io.sessionizer.evaluator.Sessions.views;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class LlmJudgeTest {
    private final SessionView session = SessionView.of("default", summary("s", 2, 1, 0, 0));

    @Test
    void shouldPromptWithTheTranscriptAndReadTheJsonAnswerIntoAnLlmSessionVerdict() {
        FakeLlmJudge judge = new FakeLlmJudge();

        List<Verdict> verdicts = judge.judge(session, views(turn(1, "ok", "What is Kafka?", "A log."),
                turn(2, "error", "And Streams?", null)));

        assertThat(judge.kind()).isEqualTo(AnnotatorKind.LLM);
        assertThat(judge.lastPrompt).startsWith("Judge whether the assistant helped the user.")
                .contains("The conversation (2 turns):", "User: What is Kafka?\nAssistant: A log.",
                        "User: And Streams?\nAssistant: (nothing)\n(This turn ended with an error.)")
                .endsWith("\"explanation\": \"<one or two sentences>\"}");
        assertThat(verdicts).singleElement().satisfies(v -> {
            assertThat(v.onSession()).isTrue();
            assertThat(v.name()).isEqualTo("helpfulness");
            assertThat(v.label()).isEqualTo("unhelpful");
            assertThat(v.score()).isEqualTo(0.2);
            assertThat(v.explanation()).isEqualTo("A turn failed.");
            assertThat(v.metadata()).containsEntry("judge", "helpfulness");
        });
    }

    @Test
    void shouldCutALongTextInThePrompt() {
        FakeLlmJudge judge = new FakeLlmJudge();

        judge.judge(session, views(turn(1, "ok", "x".repeat(LlmJudge.MAX_TEXT_CHARS + 10), "ok")));

        assertThat(judge.lastPrompt).contains("x".repeat(LlmJudge.MAX_TEXT_CHARS) + "…\n")
                .doesNotContain("x".repeat(LlmJudge.MAX_TEXT_CHARS + 1));
    }

    @Test
    void shouldPassOnAnUnavailableModelAndRefuseAnAnswerWithoutJson() {
        FakeLlmJudge down = new FakeLlmJudge();
        down.unavailable = true;
        assertThatThrownBy(() -> down.judge(session, views(turn(1, "ok", "hi", "hello"))))
                .isInstanceOf(JudgeUnavailableException.class);

        LlmJudge prose = new LlmJudge() {
            @Override
            protected String verdictName() {
                return "tone";
            }

            @Override
            protected String instructions() {
                return "Judge the tone.";
            }

            @Override
            protected String complete(String prompt) {
                return "I think it was fine.";
            }
        };
        assertThatThrownBy(() -> prose.judge(session, views(turn(1, "ok", "hi", "hello"))))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("no JSON object");
    }
}
