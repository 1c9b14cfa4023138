package io.sessionizer.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class SessionizerCliTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();
    private final CommandLine cli = SessionizerCli.commandLine()
            .setOut(new PrintWriter(out))
            .setErr(new PrintWriter(err));

    @Test
    void shouldDescribeEveryFlagOfTheLocalStack() {
        assertThat(cli.execute("local", "--help")).isZero();

        assertThat(out.toString()).contains("--data-dir", "--kafka-port", "--otlp-http-port", "--otlp-grpc-port",
                "--api-port", "--schema-registry-port", "Default: 9092", "Default: 8081", "Default: 4318", "Default: 4317", "Default: 8080");
        assertThat(out.toString()).contains("--retention", "Default: 24h", "--retention-bytes", "Default: 1GiB");
    }

    @Test
    void shouldRefuseARetentionSizeThatIsNotOne() {
        assertThat(cli.execute("local", "--retention-bytes", "lots")).isEqualTo(CommandLine.ExitCode.USAGE);

        assertThat(err.toString()).contains("'lots' is not a size such as 512MiB or 2GiB");
    }

    @Test
    void shouldRefuseARetentionTooShortToKeepAnything() {
        assertThat(cli.execute("local", "--retention", "10s")).isEqualTo(CommandLine.ExitCode.USAGE);

        assertThat(err.toString()).contains("--retention must be at least 1m");
    }

    @Test
    void shouldListTheLocalCommandInTheTopLevelHelp() {
        assertThat(cli.execute("--help")).isZero();

        assertThat(out.toString()).contains("local", "Runs the whole stack");
    }

    @Test
    void shouldListTheLoadGeneratorTheBenchmarkAndTheEvaluatorInTheTopLevelHelp() {
        assertThat(cli.execute("--help")).isZero();

        assertThat(out.toString()).contains("loadgen", "bench", "bench-backlog", "soak", "evaluate");
    }

    @Test
    void shouldRefuseAnEvaluatorWithABadBudgetNamingTheSetting() {
        assertThat(cli.execute("evaluate", "--max-cost", "-1")).isEqualTo(1);

        assertThat(err.toString()).contains("Invalid value '-1' for evaluator.max-cost");
    }

    @Test
    void shouldRefuseASoakOfNoMinutesBeforeStartingAnything() {
        assertThat(cli.execute("soak", "--minutes", "0")).isEqualTo(CommandLine.ExitCode.USAGE);

        assertThat(err.toString()).contains("--minutes and --rate must be positive");
    }

    @Test
    void shouldRefuseAnUnknownProtocolOfTheLoadGenerator() {
        assertThat(cli.execute("loadgen", "--protocol", "udp")).isEqualTo(CommandLine.ExitCode.USAGE);

        assertThat(err.toString()).contains("'udp' is not a protocol: use http or grpc");
    }

    @Test
    void shouldRefuseALoadDurationThatIsNotOne() {
        assertThat(cli.execute("loadgen", "--duration", "forever")).isEqualTo(CommandLine.ExitCode.USAGE);

        assertThat(err.toString()).contains("'forever' is not a duration such as 500ms, 30s or 5m");
    }

    @Test
    void shouldRefuseAnUnknownBenchmarkSectionBeforeStartingAnything() {
        assertThat(cli.execute("bench", "--sections", "ingest,speed")).isEqualTo(CommandLine.ExitCode.USAGE);

        assertThat(err.toString()).contains("Unknown section 'speed'; choose from ingest,aggregator,freshness,queries");
    }

    @Test
    void shouldRefuseAnOutOfRangePortBeforeStartingAnything() {
        assertThat(cli.execute("local", "--kafka-port", "70000")).isEqualTo(CommandLine.ExitCode.USAGE);

        assertThat(err.toString()).contains("--kafka-port must be between 1 and 65534, not 70000");
    }

    @Test
    void shouldAskForACommandWhenGivenNone() {
        assertThat(cli.execute()).isEqualTo(CommandLine.ExitCode.USAGE);

        assertThat(err.toString()).contains("Missing command");
    }
}
