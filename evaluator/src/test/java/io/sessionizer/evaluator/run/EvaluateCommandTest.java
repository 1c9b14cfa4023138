package io.sessionizer.evaluator.run;

import static java.util.Map.entry;
import static org.assertj.core.api.Assertions.assertThat;

import io.sessionizer.cli.Subcommand;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class EvaluateCommandTest {
    @Test
    void shouldBeASubcommandOfTheLauncher() {
        assertThat(ServiceLoader.load(Subcommand.class)).anySatisfy(
                command -> assertThat(command).isInstanceOf(EvaluateCommand.class));
    }

    @Test
    void shouldTurnTheOptionsGivenIntoSettingsAndLeaveTheRestToEnvironmentAndDefaults() {
        EvaluateCommand command = new EvaluateCommand();
        new CommandLine(command).parseArgs("--bootstrap-servers", "broker:9092", "--api", "http://agg:8080",
                "--api-key", "k", "--group", "g", "--max-cost", "0.5", "--judge", "a.B", "--judge", "c.D",
                "--set", "evaluator.retry-for=2m");

        assertThat(command.overrides()).containsOnly(
                entry("kafka.bootstrap.servers", "broker:9092"),
                entry("evaluator.api-url", "http://agg:8080"),
                entry("evaluator.api-key", "k"),
                entry("evaluator.group", "g"),
                entry("evaluator.max-cost", "0.5"),
                entry("evaluator.judges", "a.B,c.D"),
                entry("evaluator.retry-for", "2m"));
    }
}
