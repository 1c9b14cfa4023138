package io.sessionizer.aggregator.index;

import io.sessionizer.aggregator.state.SessionState;
import io.sessionizer.schemas.SessionSummary;
import io.sessionizer.schemas.Turn;
import io.sessionizer.schemas.records.RecordContract;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.SegmentInfos;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.SearcherManager;
import org.apache.lucene.store.AlreadyClosedException;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.errors.ProcessorStateException;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.internals.CacheFlushListener;
import org.apache.kafka.streams.state.internals.CachedStateStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The session index of one stream task: an embedded Lucene index, derived from the task's {@code sessions} and
 * {@code transcripts} stores, that answers lists, search, facets and stats (ADR 007). It has no changelog; it is
 * never the source of truth, so it is rebuilt from the stores whenever it may not be at their point.
 *
 * <p>Whether it is at their point is decided when the task starts processing ({@link #isCurrent}): the index is
 * trusted only when its last Lucene commit was written by a clean close of this store ({@code clean=true}), by this
 * index format ({@value #FORMAT}), and carries the marker that the stores hold (the marker is written into a
 * changelogged store by each rebuild, so a task that another instance processed since, and rebuilt, has another).
 * A crash, a restore onto another instance, a task that comes back after running elsewhere, or an upgrade of the
 * format therefore each end in a rebuild, never in a misread index.
 *
 * <p>Lucene's work runs on a thread of the store's own, never on the stream thread (ADR 008): the processor hands
 * over a commit's changes ({@link #putSession}, {@link #putTurn}, {@link #deleteSession}, collected until
 * {@link #flushCache}) as one batch, and the index thread applies the batches in order, rebuilds, and makes changes
 * visible. At most {@value #MAX_BATCHES} batches wait; a stream thread that gets further ahead waits for the index
 * (back-pressure, so memory stays bounded). A failure of the index thread fails the task at its next commit, and the
 * task's restart rebuilds the index. Until the index is known to be current, queries on it throw
 * {@link IndexUnavailableException} (a 503 with Retry-After).
 */
public final class SessionIndexStore implements StateStore, CachedStateStore<Object, Object> {
    /** The version of the documents' layout: an index written with another is rebuilt, never read. */
    public static final int FORMAT = 3;
    static final String FORMAT_KEY = "sessionizer.format";
    static final String MARKER_KEY = "sessionizer.marker";
    static final String CLEAN_KEY = "sessionizer.clean";
    /** Commits' batches that may wait for the index thread before the stream thread waits too. */
    static final int MAX_BATCHES = 16;
    private static final Logger LOG = LoggerFactory.getLogger(SessionIndexStore.class);

    private final String name;
    private Path path;
    private Directory directory;
    private IndexWriter writer;
    private SearcherManager searchers;
    private IndexThread thread;
    /** The marker of the last clean close, when the index on disk may be reused; null otherwise. */
    private String reusableMarker;
    /** The marker the index is at; read and written on the index thread only once it runs. */
    private String marker;
    private volatile boolean current;
    private volatile boolean open;
    /** Set by close: a rebuild in progress stops. */
    private volatile boolean closing;
    /** The first failure of the index thread: the task fails at its next commit, and its restart rebuilds. */
    private volatile Throwable failure;
    /** The changes since the last batch handed over (stream thread). */
    private List<Consumer<IndexWriter>> batch = new ArrayList<>();
    /** Changes handed over since the last refresh was asked for (stream thread). */
    private boolean changed;
    /** Set while the stores changed in ways the index has not taken yet (they are handed over at the next commit). */
    private boolean pending;
    private Runnable beforeCommit;
    private long refreshIntervalMs;
    private LongSupplier clock = System::currentTimeMillis;
    private long lastRefreshMs = Long.MIN_VALUE / 2;

    SessionIndexStore(String name) {
        this.name = name;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void init(StateStoreContext context, StateStore root) {
        path = context.stateDir().toPath().resolve(name);
        try {
            Files.createDirectories(path);
            directory = FSDirectory.open(path);
            Map<String, String> last = DirectoryReader.indexExists(directory)
                    ? SegmentInfos.readLatestCommit(directory).getUserData() : Map.of();
            boolean sameFormat = String.valueOf(FORMAT).equals(last.get(FORMAT_KEY));
            reusableMarker = sameFormat && "true".equals(last.get(CLEAN_KEY)) ? last.get(MARKER_KEY) : null;
            IndexWriterConfig config = new IndexWriterConfig(IndexDocuments.ANALYZER)
                    .setOpenMode(sameFormat ? IndexWriterConfig.OpenMode.CREATE_OR_APPEND
                            : IndexWriterConfig.OpenMode.CREATE)
                    .setRAMBufferSizeMB(32);
            writer = new IndexWriter(directory, config);
            marker = reusableMarker;
            // The last commit stays as it is until the task puts the index in service (markCurrent, rebuildFrom):
            // Kafka Streams also opens and closes every store of a task directory found at start (startup stores,
            // for the assignor's lags), and marking the index dirty there would rebuild it at every restart.
            searchers = new SearcherManager(writer, null);
        } catch (IOException e) {
            throw new ProcessorStateException("Cannot open the session index in " + path, e);
        }
        // Not logged: nothing to restore; the processor rebuilds from the restored stores when needed.
        context.register(root, (key, value) -> {
        });
        thread = new IndexThread("session-index-" + context.taskId() + "-" + name);
        thread.start();
        open = true;
    }

    /**
     * True when the index on disk was left by a clean close at the stores' point: {@code storesMarker} is the marker
     * the stores hold (null when they hold none, after a wipe or before the first rebuild).
     */
    public boolean isCurrent(String storesMarker) {
        return storesMarker != null && storesMarker.equals(reusableMarker);
    }

    /** Declares the index current without a rebuild (the caller checked {@link #isCurrent}). */
    public void markCurrent() {
        reusableMarker = null;
        current = true;
        thread.submit(writer -> inService());
    }

    /** What a rebuild read, sessions and turns, and how long it took. */
    public record Rebuilt(long sessions, long turns, Duration took) {
    }

    /**
     * Rebuilds the index, on the index thread, from the stores it derives from, under a new marker (which the caller
     * files in the stores). Queries answer unavailable until it is done; the changes handed over meanwhile are
     * applied after it, so the stores may change while it reads them (a change it read early is applied again).
     *
     * @return completed when the index is current, or exceptionally when the rebuild failed or the store closed
     */
    public CompletableFuture<Rebuilt> rebuildFrom(ReadOnlyKeyValueStore<String, SessionState> sessions,
            ReadOnlyKeyValueStore<Bytes, Turn> transcripts, String newMarker) {
        current = false;
        reusableMarker = null;
        // The rebuild ends with a refresh.
        changed = false;
        lastRefreshMs = clock.getAsLong();
        CompletableFuture<Rebuilt> done = new CompletableFuture<>();
        thread.submit(writer -> {
            try {
                done.complete(rebuild(sessions, transcripts, newMarker));
            } catch (IOException e) {
                done.completeExceptionally(e);
                throw new UncheckedIOException(e);
            } catch (RuntimeException e) {
                done.completeExceptionally(e);
                throw e;
            }
        });
        return done;
    }

    private Rebuilt rebuild(ReadOnlyKeyValueStore<String, SessionState> sessions,
            ReadOnlyKeyValueStore<Bytes, Turn> transcripts, String newMarker) throws IOException {
        long started = System.nanoTime();
        inService();
        writer.deleteAll();
        long sessionCount = 0;
        long turnCount = 0;
        try (KeyValueIterator<String, SessionState> it = sessions.all()) {
            while (it.hasNext()) {
                KeyValue<String, SessionState> entry = it.next();
                writer.updateDocument(sessionTerm(entry.key), IndexDocuments.session(entry.key,
                        entry.value.getSummary()));
                sessionCount++;
                stopIfClosing();
            }
        }
        try (KeyValueIterator<Bytes, Turn> it = transcripts.all()) {
            while (it.hasNext()) {
                Turn turn = it.next().value;
                String sessionKey = RecordContract.sessionKey(turn.getTenant(), turn.getSessionId());
                writer.updateDocument(turnTerm(sessionKey, turn), IndexDocuments.turn(sessionKey, turn));
                turnCount++;
                stopIfClosing();
            }
        }
        marker = newMarker;
        refresh();
        current = true;
        return new Rebuilt(sessionCount, turnCount, Duration.ofNanos(System.nanoTime() - started));
    }

    private void stopIfClosing() {
        if (closing) {
            throw new CancellationException("The session index of " + name + " closed during its rebuild");
        }
    }

    /**
     * From now on the index on disk is not known to be clean: only a clean {@link #close()} says so again. A crash
     * before then leaves clean=false, and the next start rebuilds.
     */
    private void inService() {
        try {
            commit(false);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Term sessionTerm(String sessionKey) {
        return new Term(IndexDocuments.ID, IndexDocuments.sessionId(sessionKey));
    }

    private static Term turnTerm(String sessionKey, Turn turn) {
        return new Term(IndexDocuments.ID, IndexDocuments.turnId(sessionKey, turn.getTraceId()));
    }

    /** Adds or replaces the document of a session, at the next commit. The summary must not change after. */
    public void putSession(String sessionKey, SessionSummary summary) {
        batch.add(writer -> update(writer, sessionTerm(sessionKey), IndexDocuments.session(sessionKey, summary)));
    }

    /** Adds or replaces the document of a turn, at the next commit. The turn must not change after. */
    public void putTurn(String sessionKey, Turn turn) {
        batch.add(writer -> update(writer, turnTerm(sessionKey, turn), IndexDocuments.turn(sessionKey, turn)));
    }

    /** Deletes a session's document and all of its turns' documents, at the next commit. */
    public void deleteSession(String sessionKey) {
        batch.add(writer -> {
            try {
                writer.deleteDocuments(new Term(IndexDocuments.SESSION_KEY, sessionKey));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    private static void update(IndexWriter writer, Term id,
            Iterable<? extends org.apache.lucene.index.IndexableField> document) {
        try {
            writer.updateDocument(id, document);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The stores changed: the index takes the change at the next commit, and is not clean until then. */
    public void markPending() {
        pending = true;
    }

    /**
     * Makes changes visible to queries at most every {@code intervalMs} (0: at every commit): a reader refresh writes
     * a new segment, and one per 100 ms commit costs more than the changes themselves.
     */
    public void refreshInterval(long intervalMs, LongSupplier clockMs) {
        this.refreshIntervalMs = intervalMs;
        this.clock = clockMs;
        this.lastRefreshMs = Long.MIN_VALUE / 2;
    }

    /** Asks the index thread to make the changes handed over visible, when the last refresh is old enough. */
    public void refreshIfDue() {
        if (open && changed && clock.getAsLong() - lastRefreshMs >= refreshIntervalMs) {
            changed = false;
            lastRefreshMs = clock.getAsLong();
            thread.submit(writer -> refresh());
        }
    }

    /** What runs at each commit of the task, before the changes are handed over: the processor's publishing. */
    public void beforeCommit(Runnable callback) {
        this.beforeCommit = callback;
    }

    /**
     * Called by Kafka Streams as a task prepares its commit (and before a clean close), where it flushes the record
     * caches, before the task's output is flushed and its transaction committed: the processor publishes what changed
     * since the last commit and collects it here, and the batch goes to the index thread. So what a commit interval
     * changed is published in that commit's transaction, as a KTable's cache publishes its changes.
     *
     * <p>This is Streams' internal {@link CachedStateStore} interface, the only hook that runs at that point: a
     * store's public {@code flush}/{@code commit} runs after the transaction is committed (with the checkpoint),
     * too late to publish in it. ADR 007 says why, and what to check at a Kafka upgrade.
     *
     * @throws ProcessorStateException when the index thread failed: the task fails, and its restart rebuilds
     */
    @Override
    public void flushCache() {
        if (!open) {
            return;
        }
        Throwable failed = failure;
        if (failed != null) {
            throw new ProcessorStateException("The session index of " + name + " failed; it is rebuilt", failed);
        }
        if (beforeCommit != null) {
            beforeCommit.run();
            pending = false;
        }
        if (!batch.isEmpty()) {
            List<Consumer<IndexWriter>> changes = batch;
            batch = new ArrayList<>();
            thread.submit(writer -> changes.forEach(change -> change.accept(writer)));
            changed = true;
        }
        refreshIfDue();
    }

    /** Drops the changes not handed over: a dirty close discards them with the processor's. */
    @Override
    public void clearCache() {
        batch = new ArrayList<>();
    }

    /** The index publishes nothing through a flush listener of Streams; its processor forwards the records itself. */
    @Override
    public boolean setFlushListener(CacheFlushListener<Object, Object> listener, boolean sendOldValues) {
        return false;
    }

    /** At the checkpoint after a commit: everything was handed over in {@link #flushCache()} already. */
    @Override
    public void flush() {
        refreshIfDue();
    }

    private void refresh() {
        try {
            searchers.maybeRefreshBlocking();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Waits until the index thread has done everything handed over so far (changes, and the refreshes asked for:
     * with a refresh interval of 0, every change is visible then): for tests and tools that must read their own
     * writes; queries never wait.
     *
     * @throws ProcessorStateException when the index thread failed
     */
    public void awaitApplied() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        thread.submit(writer -> done.complete(null));
        done.join();
        Throwable failed = failure;
        if (failed != null) {
            throw new ProcessorStateException("The session index of " + name + " failed", failed);
        }
    }

    /**
     * A point-in-time reader of the index, to be released after use.
     *
     * @throws IndexUnavailableException while the index is being rebuilt or not yet checked
     */
    public Snapshot acquire() {
        if (!open || !current || failure != null) {
            throw new IndexUnavailableException("The session index of " + name
                    + (!open ? " is closed" : failure != null ? " failed and is rebuilt" : " is being rebuilt"));
        }
        try {
            return new Snapshot(searchers, searchers.acquire());
        } catch (AlreadyClosedException e) {
            throw new IndexUnavailableException("The session index of " + name + " is closed");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A reader acquired from the index: its searcher's reader, released by {@link #close()}. */
    public record Snapshot(SearcherManager manager, org.apache.lucene.search.IndexSearcher searcher)
            implements AutoCloseable {
        @Override
        public void close() {
            try {
                manager.release(searcher);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** The number of documents visible, sessions and turns together, once everything handed over is done. */
    public int documents() {
        awaitApplied();
        try (Snapshot snapshot = acquire()) {
            return snapshot.searcher().getIndexReader().numDocs();
        }
    }

    private void commit(boolean clean) throws IOException {
        Map<String, String> data = new HashMap<>();
        data.put(FORMAT_KEY, String.valueOf(FORMAT));
        data.put(CLEAN_KEY, String.valueOf(clean));
        if (marker != null) {
            data.put(MARKER_KEY, marker);
        }
        writer.setLiveCommitData(data.entrySet());
        writer.commit();
    }

    /**
     * Closes the index, once the index thread has applied what was handed over. When the index is current and every
     * change was handed over at a commit, the last Lucene commit says so (clean), so that a restart on this instance
     * reuses it; otherwise the next start rebuilds. A rebuild in progress stops: the index is not current then.
     */
    @Override
    public void close() {
        if (!open) {
            return;
        }
        open = false;
        boolean handedOver = !pending;
        closing = true;
        // On the index thread, after everything handed over: a rebuild in progress stopped (closing), and is not
        // current then.
        thread.submit(writer -> {
            if (handedOver && current && failure == null) {
                try {
                    commit(true);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            current = false;
        });
        thread.finish();
        try {
            searchers.close();
            writer.close();
            directory.close();
        } catch (IOException e) {
            LOG.warn("Closing the session index in {} failed; it is rebuilt at the next start", path, e);
        }
    }

    @Override
    public boolean persistent() {
        return true;
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    /**
     * The index thread: applies the tasks handed to it in order. A failed task is logged and kept as the store's
     * {@link #failure}; the tasks after it still run (a waiting {@link #awaitApplied} returns), but the index is
     * no longer trusted.
     */
    private final class IndexThread extends Thread {
        private final BlockingQueue<Consumer<IndexWriter>> tasks = new ArrayBlockingQueue<>(MAX_BATCHES);
        private volatile boolean finished;

        IndexThread(String threadName) {
            super(threadName);
            setDaemon(true);
        }

        /** Queues a task, waiting while {@value #MAX_BATCHES} wait already. */
        void submit(Consumer<IndexWriter> task) {
            try {
                tasks.put(task);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new org.apache.kafka.common.errors.InterruptException(e);
            }
        }

        /** Runs the tasks queued so far, then ends; returns when it has ended. */
        void finish() {
            submit(writer -> finished = true);
            try {
                join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new org.apache.kafka.common.errors.InterruptException(e);
            }
        }

        @Override
        public void run() {
            while (!finished) {
                Consumer<IndexWriter> task;
                try {
                    task = tasks.take();
                } catch (InterruptedException e) {
                    return;
                }
                try {
                    task.accept(writer);
                } catch (CancellationException e) {
                    LOG.debug("{}", e.getMessage());
                } catch (RuntimeException | Error e) {
                    if (failure == null) {
                        LOG.error("The session index {} failed; its task fails at its next commit and rebuilds it",
                                name, e);
                        failure = e;
                        current = false;
                    }
                }
            }
        }
    }
}
