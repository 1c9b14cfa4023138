package io.sessionizer.launcher.local;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Entry point of the broker child JVM: Kafka's own {@code kafka.Kafka} main, made a well-behaved child. The launcher
 * stops it with SIGTERM, which runs Kafka's clean shutdown hook.
 */
public final class BrokerMain {
    private BrokerMain() {
    }

    public static void main(String[] args) throws Exception {
        // Ctrl-C reaches the whole process group; the launcher stops the broker itself, after the services using it.
        // sun.misc.Signal (module jdk.unsupported) is the JDK's only way to ignore a signal; javac flags it internal.
        Signal.handle(new Signal("INT"), SignalHandler.SIG_IGN);
        Thread watchdog = new Thread(() -> exitWhenClosed(System.in), "parent-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
        kafka.Kafka.main(args);
    }

    /**
     * The launcher holds the write end of our stdin; the OS closes it when the launcher dies in any way (even
     * SIGKILL), so end of input means the broker would be orphaned: shut it down cleanly instead.
     */
    private static void exitWhenClosed(InputStream parentPipe) {
        try {
            parentPipe.transferTo(OutputStream.nullOutputStream());
        } catch (IOException e) {
            // A broken pipe means the same as end of input.
        }
        System.exit(0);
    }
}
