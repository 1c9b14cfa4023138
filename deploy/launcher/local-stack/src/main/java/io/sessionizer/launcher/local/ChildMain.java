package io.sessionizer.launcher.local;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.Method;
import java.util.Arrays;

/**
 * Entry point of a child JVM ({@link ChildJvm}): runs another main class, and exits (through its shutdown hooks) when
 * the parent JVM goes away, however it ended, so that no service outlives the stack or the benchmark that started it.
 *
 * <p>Arguments: the main class, then its arguments.
 */
public final class ChildMain {
    private ChildMain() {
    }

    public static void main(String[] args) throws Exception {
        Thread watchdog = new Thread(() -> exitWhenClosed(System.in), "parent-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
        Method main = Class.forName(args[0]).getMethod("main", String[].class);
        main.invoke(null, (Object) Arrays.copyOfRange(args, 1, args.length));
    }

    /** The parent holds the write end of our stdin; the OS closes it when the parent dies, even by SIGKILL. */
    private static void exitWhenClosed(InputStream parentPipe) {
        try {
            parentPipe.transferTo(OutputStream.nullOutputStream());
        } catch (IOException e) {
            // A broken pipe means the same as end of input.
        }
        System.exit(0);
    }
}
