package io.sessionizer.config;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A value parsed from one or more files, read again every interval and taken when their content changed: a SHA-256 of
 * the bytes, not file events, since Kubernetes swaps a symlink to update a mounted secret. Content that cannot be read
 * or parsed keeps the value in use and logs one ERROR per bad content; with several files, which are read one after
 * the other and may be caught halfway through a swap, a content is reported only when the next check reads it again.
 * Messages hold the parser's {@link IllegalArgumentException} and {@link ConfigException} messages, else only the
 * exception's class, never the bytes. {@link #close()} stops the checks.
 *
 * @param <T> the parsed value
 */
public final class ReloadingFile<T> implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ReloadingFile.class);

    /** Parses the bytes of the files, in the order they were given; throws to refuse them. */
    @FunctionalInterface
    public interface Parser<T> {
        T parse(byte[][] contents);
    }

    /** One file and its name in messages (a setting, or what it holds). */
    public record Source(String name, Path path) {
        @Override
        public String toString() {
            return name + " " + path;
        }
    }

    private final List<Source> sources;
    private final Parser<T> parser;
    private final Function<? super T, String> describe;
    private final String label;
    private final ScheduledExecutorService timer;
    private volatile T current;
    /** True while the files in place fail to read or parse, so that the value in use is not what they say. */
    private volatile boolean stale;
    // Checking thread only (check() is synchronized):
    private byte[] currentDigest;
    /** A content that failed once and is not yet reported (several files only). */
    private byte[] pendingDigest;
    /** The content last reported as bad, so that it is reported once. */
    private byte[] failedDigest;
    /** The read problem last reported, reported again only when it changes. */
    private String readProblem;

    /**
     * Reads and parses the files now, then checks them every {@code interval} (zero or negative: never).
     *
     * @param describe what a value is, for the log (never secrets)
     * @throws ConfigException naming the source when a file cannot be read; the parser's exception when it refuses
     */
    public ReloadingFile(List<Source> sources, Duration interval, Parser<T> parser,
            Function<? super T, String> describe) {
        if (sources.isEmpty()) {
            throw new IllegalArgumentException("no file to read");
        }
        this.sources = List.copyOf(sources);
        this.parser = parser;
        this.describe = describe;
        this.label = this.sources.stream().map(Source::toString).collect(Collectors.joining(" and "));
        byte[][] contents = new byte[this.sources.size()][];
        for (int i = 0; i < contents.length; i++) {
            Source source = this.sources.get(i);
            try {
                contents[i] = Files.readAllBytes(source.path());
            } catch (IOException e) {
                throw new ConfigException("Cannot read " + source + ": " + e);
            }
        }
        this.current = parser.parse(contents);
        this.currentDigest = digest(contents);
        if (interval.isZero() || interval.isNegative()) {
            this.timer = null;
            return;
        }
        this.timer = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "file-reload");
            thread.setDaemon(true);
            return thread;
        });
        long millis = Math.max(1, interval.toMillis());
        timer.scheduleWithFixedDelay(this::checkSafely, millis, millis, TimeUnit.MILLISECONDS);
    }

    /** The value in use. */
    public T current() {
        return current;
    }

    /** Whether checks are scheduled. */
    public boolean reloading() {
        return timer != null;
    }

    /** True while the files in place fail to read or parse: the value in use is older than them. */
    public boolean stale() {
        return stale;
    }

    /**
     * Reads the files now and takes them if their content changed and parses; otherwise keeps the value in use. True
     * when a new value was taken. The timer calls it; so may tests.
     */
    public synchronized boolean check() {
        byte[][] contents = new byte[sources.size()][];
        for (int i = 0; i < contents.length; i++) {
            Source source = sources.get(i);
            try {
                contents[i] = Files.readAllBytes(source.path());
            } catch (IOException e) {
                String problem = "Cannot read " + source + " (" + e + ")";
                if (!problem.equals(readProblem)) {
                    readProblem = problem;
                    LOG.error("{}: keeping {}", problem, describe.apply(current));
                }
                stale = true;
                return false;
            }
        }
        readProblem = null;
        byte[] digest = digest(contents);
        if (Arrays.equals(digest, currentDigest)) {
            // Back to the content in use: a later bad change is reported again, even the same as before.
            pendingDigest = null;
            failedDigest = null;
            stale = false;
            return false;
        }
        if (Arrays.equals(digest, failedDigest)) {
            return false;
        }
        T parsed;
        try {
            parsed = parser.parse(contents);
        } catch (RuntimeException e) {
            stale = true;
            if (sources.size() > 1 && !Arrays.equals(digest, pendingDigest)) {
                // Perhaps one file read before a swap and the other after it: report it if the next check agrees.
                pendingDigest = digest;
                return false;
            }
            pendingDigest = null;
            failedDigest = digest;
            String problem = e instanceof IllegalArgumentException || e instanceof ConfigException ? e.getMessage()
                    : e.getClass().getSimpleName();
            LOG.error("{} not reloaded, keeping {}: {}", label, describe.apply(current), problem);
            return false;
        }
        current = parsed;
        currentDigest = digest;
        pendingDigest = null;
        failedDigest = null;
        stale = false;
        LOG.info("Reloaded {}: {}", label, describe.apply(parsed));
        return true;
    }

    private void checkSafely() {
        try {
            check();
        } catch (RuntimeException e) {
            // An exception would cancel the schedule: log it and try again at the next tick.
            LOG.error("Failed to check {}: {}", label, e.getClass().getSimpleName());
        }
    }

    @Override
    public void close() {
        if (timer != null) {
            timer.shutdownNow();
        }
    }

    private static byte[] digest(byte[][] contents) {
        try {
            MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
            for (byte[] content : contents) {
                // The length first, so that moving bytes from one file to the next changes the digest.
                sha256.update(ByteBuffer.allocate(Integer.BYTES).putInt(content.length).array());
                sha256.update(content);
            }
            return sha256.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java platform", e);
        }
    }
}
