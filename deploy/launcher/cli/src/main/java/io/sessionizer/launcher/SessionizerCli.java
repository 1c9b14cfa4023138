package io.sessionizer.launcher;

import io.sessionizer.cli.Subcommand;
import io.sessionizer.config.ConfigException;
import io.sessionizer.launcher.local.LocalStackException;
import java.util.ServiceLoader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;
import picocli.CommandLine;

/**
 * The {@code sessionizer} command; each way of running the project is a subcommand. {@code local} and {@code keys}
 * are the launcher's own; the others ({@code loadgen}, {@code bench}, {@code bench-backlog}, {@code soak}, {@code evaluate}) are the
 * {@link Subcommand}s of the modules on the class path.
 */
@Command(name = "sessionizer", sortOptions = false, usageHelpAutoWidth = true,
        description = "Sessionizer: OpenTelemetry traces of LLM apps turned into live sessions.",
        subcommands = {LocalCommand.class, KeysCommand.class})
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
    public static CommandLine commandLine() {
        CommandLine commandLine = new CommandLine(new SessionizerCli());
        for (Subcommand subcommand : ServiceLoader.load(Subcommand.class)) {
            commandLine.addSubcommand(subcommand);
        }
        return commandLine.setExecutionExceptionHandler((e, cmd, parseResult) -> {
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
