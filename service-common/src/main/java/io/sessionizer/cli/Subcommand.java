package io.sessionizer.cli;

/**
 * A picocli {@code @Command} that the {@code sessionizer} launcher adds as a subcommand when its module is on the
 * class path: each implementation is listed in its module's {@code META-INF/services/io.sessionizer.cli.Subcommand}
 * and found with {@link java.util.ServiceLoader}. So the load generator and the benchmark suite plug into the one
 * command without the launcher compiling against them, and neither depends on the launcher.
 */
public interface Subcommand {
}
