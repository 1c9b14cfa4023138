package io.sessionizer.aggregator;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * An aggregator in a child JVM, so that a test can kill it as a crash would: SIGKILL, no shutdown hook, no leaving the
 * consumer group. Its output goes to a log file.
 */
final class AggregatorProcess implements AutoCloseable {
    private final Process process;
    private final int port;

    private AggregatorProcess(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /** Starts {@link AggregatorMain} with these settings and a free {@code http.port}. */
    static AggregatorProcess start(Map<String, String> settings, Path log) throws IOException {
        int port = freePort();
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-cp", System.getProperty("java.class.path"), AggregatorMain.class.getName()));
        settings.forEach((key, value) -> command.addAll(List.of("--set", key + "=" + value)));
        // Last, so that it wins over an http.port in the settings (AggregatorFixture's is 0).
        command.addAll(List.of("--set", "http.port=" + port));
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        return new AggregatorProcess(process, port);
    }

    int port() {
        return port;
    }

    /** SIGKILL, and waits until the process is gone. */
    void kill() throws InterruptedException {
        process.destroyForcibly().waitFor();
    }

    @Override
    public void close() throws InterruptedException {
        kill();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
