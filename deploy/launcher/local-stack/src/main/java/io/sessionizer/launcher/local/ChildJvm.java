package io.sessionizer.launcher.local;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A service in a JVM of its own (the local stack's broker, a benchmark's services), so that its memory is its own and
 * it never outlives this JVM ({@link ChildMain}): its output in a log file, stopped with SIGTERM (its shutdown hooks
 * run), and its peak resident memory read from
 * /proc before it goes.
 */
public final class ChildJvm implements AutoCloseable {
    private static final long STOP_TIMEOUT_SECONDS = 30;

    private final String name;
    private final Process process;
    private final Path log;
    private long peakRss = -1;

    private ChildJvm(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
    }

    /** Starts {@code mainClass} from this JVM's classpath with a heap of {@code maxHeap} (e.g. {@code 1g}). */
    public static ChildJvm start(String name, String maxHeap, Path log, String mainClass, List<String> args)
            throws IOException {
        return start(name, List.of("-Xmx" + maxHeap), System.getProperty("java.class.path"), log, mainClass, args);
    }

    /** Starts {@code mainClass} with these JVM options and classpath, its output appended to {@code log}. */
    public static ChildJvm start(String name, List<String> jvmOptions, String classpath, Path log, String mainClass,
            List<String> args) throws IOException {
        Files.createDirectories(log.toAbsolutePath().getParent());
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.add(ChildMain.class.getName());
        command.add(mainClass);
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        // Through the environment rather than -cp: the classpath is long and would bury the command line in ps.
        builder.environment().put("CLASSPATH", classpath);
        return new ChildJvm(name, builder.start(), log);
    }

    public String name() {
        return name;
    }

    public long pid() {
        return process.pid();
    }

    public Path log() {
        return log;
    }

    /** Completes when the process ends, for whatever reason. */
    public CompletableFuture<Process> onExit() {
        return process.onExit();
    }

    /** Fails, naming the log, when the process is gone. */
    public void requireAlive() {
        if (!process.isAlive()) {
            throw new IllegalStateException(name + " exited with " + process.exitValue() + "; see " + log);
        }
    }

    /** Peak resident memory so far, in bytes; after {@link #close()}, the last value read before the stop. */
    public synchronized long peakRss() {
        if (process.isAlive()) {
            peakRss = Math.max(peakRss, peakRss(process.pid()));
        }
        return peakRss;
    }

    /** Peak resident set size (VmHWM) of a process, from /proc (Linux); -1 when it cannot be read. */
    public static long peakRss(long pid) {
        return statusBytes(pid, "VmHWM:");
    }

    /** Resident memory now (VmRSS) of a process, from /proc (Linux); -1 when it cannot be read. */
    public static long rss(long pid) {
        return statusBytes(pid, "VmRSS:");
    }

    private static long statusBytes(long pid, String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith(field)) {
                    return Long.parseLong(line.replaceAll("\\D+", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    /** SIGTERM, then SIGKILL if it takes longer than a timeout. Idempotent. */
    @Override
    public void close() {
        peakRss();
        process.destroy();
        try {
            if (!process.waitFor(STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
