package io.sessionizer.deploy;

import io.sessionizer.config.ConfigException;
import io.sessionizer.deploy.bench.BacklogBenchmark;
import io.sessionizer.deploy.bench.SoakCommand;
import io.sessionizer.deploy.bench.loadgen.LoadgenCommand;
import io.sessionizer.deploy.bench.suite.BenchCommand;
import io.sessionizer.deploy.local.LocalStackException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/** The {@code sessionizer} command; each way of running the project is a subcommand. */
@Command(name = "sessionizer", sortOptions = false, usageHelpAutoWidth = true,
        description = "Sessionizer: OpenTelemetry traces of LLM apps turned into live sessions.",
        subcommands = {LocalCommand.class, LoadgenCommand.class, BenchCommand.class, BacklogBenchmark.class,
            SoakCommand.class})
public final class SessionizerCli implements Runnable {
    @Option(names = {"-h", "--help"}, usageHelp = true, scope = ScopeType.INHERIT,
            description = "Show this help and exit.")
    private boolean help;

    @Spec
    private CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command line with its error handling: a problem the user can fix is shown as one line, not a trace. */
    static CommandLine commandLine() {
        return new CommandLine(new SessionizerCli()).setExecutionExceptionHandler((e, cmd, parseResult) -> {
            if (e instanceof LocalStackException || e instanceof ConfigException) {
                cmd.getErr().println(cmd.getColorScheme().errorText("Error: " + e.getMessage()));
                return 1;
            }
            throw e;
        });
    }

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "Missing command; try 'sessionizer local'");
    }
}
