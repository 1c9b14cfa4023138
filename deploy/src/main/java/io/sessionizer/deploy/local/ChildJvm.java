package io.sessionizer.deploy.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A service of a benchmark in a JVM of its own, so that its memory is its own: started from this JVM's classpath,
 * its output in a log file, stopped with SIGTERM (its shutdown hooks run), and its peak resident memory read from
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

    /** Starts {@code mainClass} with a heap of {@code maxHeap} (e.g. {@code 1g}), its output appended to {@code log}. */
    public static ChildJvm start(String name, String maxHeap, Path log, String mainClass, List<String> args)
            throws IOException {
        Files.createDirectories(log.toAbsolutePath().getParent());
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx" + maxHeap, ChildMain.class.getName(), mainClass));
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        // Through the environment rather than -cp: the classpath is long and would bury the command line in ps.
        builder.environment().put("CLASSPATH", System.getProperty("java.class.path"));
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
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmHWM:")) {
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
