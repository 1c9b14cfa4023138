package io.sessionizer.evaluator.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sessionizer.config.Config;
import io.sessionizer.config.ConfigException;
import io.sessionizer.evaluator.FakeLlmJudge;
import io.sessionizer.evaluator.Judge;
import io.sessionizer.evaluator.SessionView;
import io.sessionizer.evaluator.TurnView;
import io.sessionizer.evaluator.Verdict;
import io.sessionizer.evaluator.rules.CostBudgetJudge;
import io.sessionizer.evaluator.rules.EmptyAnswerJudge;
import io.sessionizer.evaluator.rules.ErrorTurnJudge;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JudgesTest {
    /** A judge named by class, with nothing to say. */
    public static final class Silent implements Judge {
        @Override
        public String name() {
            return "silent";
        }

        @Override
        public List<Verdict> judge(SessionView session,
                List<TurnView> turns) {
            return List.of();
        }
    }

    private static List<Judge> load(Map<String, String> settings) {
        return Judges.load(Config.load(EvaluatorSettings.all(), Map.of(), settings));
    }

    @Test
    void shouldRunTheRulesThenTheServicesThenTheNamedClassesEachOnce() {
        List<Judge> judges = load(Map.of("evaluator.max-cost", "0.25",
                "evaluator.judges", Silent.class.getName() + "," + FakeLlmJudge.class.getName()));

        assertThat(judges).extracting(Object::getClass).containsExactly(ErrorTurnJudge.class, EmptyAnswerJudge.class,
                CostBudgetJudge.class, FakeLlmJudge.class, Silent.class);
    }

    @Test
    void shouldLeaveTheBudgetOutWithoutAMaxCost() {
        assertThat(load(Map.of())).extracting(Judge::name)
                .containsExactly("error-turn", "empty-answer", "helpfulness");
    }

    @Test
    void shouldFindAJudgeOfTheJudgePathByServiceAndByName(@TempDir Path dir) throws Exception {
        Path source = dir.resolve("src/example/Outside.java");
        Files.createDirectories(source.getParent());
        Files.writeString(source, """
                package example;

                import io.sessionizer.evaluator.Judge;
                import io.sessionizer.evaluator.SessionView;
                import io.sessionizer.evaluator.TurnView;
                import io.sessionizer.evaluator.Verdict;
                import java.util.List;

                public final class Outside implements Judge {
                    public String name() {
                        return "outside";
                    }

                    public List<Verdict> judge(SessionView session, List<TurnView> turns) {
                        return List.of();
                    }
                }
                """);
        Path classes = Files.createDirectories(dir.resolve("classes"));
        int status = ToolProvider.getSystemJavaCompiler().run(null, null, null, "-d", classes.toString(),
                "-cp", System.getProperty("java.class.path"), source.toString());
        assertThat(status).as("javac").isZero();

        assertThat(load(Map.of("evaluator.judge-path", classes.toString(), "evaluator.judges", "example.Outside")))
                .extracting(Judge::name).containsExactly("error-turn", "empty-answer", "helpfulness", "outside");

        Path services = Files.createDirectories(classes.resolve("META-INF/services"));
        Files.writeString(services.resolve(Judge.class.getName()), "example.Outside\n");
        assertThat(load(Map.of("evaluator.judge-path", classes.toString()))).extracting(Judge::name)
                .containsExactly("error-turn", "empty-answer", "helpfulness", "outside");

        assertThatThrownBy(() -> load(Map.of("evaluator.judge-path", dir.resolve("missing.jar").toString())))
                .isInstanceOf(ConfigException.class).hasMessageContaining("evaluator.judge-path");
    }

    @Test
    void shouldNameTheKeyOfABadClassOrBudget() {
        assertThatThrownBy(() -> load(Map.of("evaluator.judges", "com.example.Missing")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("evaluator.judges")
                .hasMessageContaining("not on the class path");
        assertThatThrownBy(() -> load(Map.of("evaluator.judges", String.class.getName())))
                .isInstanceOf(ConfigException.class).hasMessageContaining("does not implement");
        assertThatThrownBy(() -> load(Map.of("evaluator.max-cost", "-1")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("evaluator.max-cost");
        assertThatThrownBy(() -> load(Map.of("evaluator.max-cost", "cheap")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("evaluator.max-cost");
        assertThatThrownBy(() -> load(Map.of("evaluator.max-cost", "NaN")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("evaluator.max-cost");
    }
}
