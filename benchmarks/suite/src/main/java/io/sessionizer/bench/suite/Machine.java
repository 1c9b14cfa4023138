package io.sessionizer.bench.suite;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The machine a run measured, so that runs compare: cores, memory, CPU, OS, JVM, and the load average when the run
 * began (other work on the machine shows there).
 */
public record Machine(int cores, long memoryBytes, String cpu, String os, String jvm, double loadAverage) {

    /** This machine now; what Linux's /proc and /etc do not tell is "unknown". */
    public static Machine describe() {
        return new Machine(Runtime.getRuntime().availableProcessors(),
                field(Path.of("/proc/meminfo"), "MemTotal:").map(v -> Long.parseLong(v.replaceAll("\\D+", "")) * 1024)
                        .orElse(-1L),
                field(Path.of("/proc/cpuinfo"), "model name").map(v -> v.replaceFirst("^\\s*:\\s*", ""))
                        .orElse(System.getProperty("os.arch")),
                field(Path.of("/etc/os-release"), "PRETTY_NAME=").map(v -> v.replace("\"", "")).orElse("unknown")
                        + " (" + System.getProperty("os.name") + " " + System.getProperty("os.version") + ", "
                        + System.getProperty("os.arch") + ")",
                System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"),
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    }

    /** The rest of the first line of a file that starts with {@code prefix}. */
    private static Optional<String> field(Path file, String prefix) {
        try {
            List<String> lines = Files.readAllLines(file);
            return lines.stream().filter(l -> l.startsWith(prefix)).findFirst()
                    .map(l -> l.substring(prefix.length()).trim());
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
