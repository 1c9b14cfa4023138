package io.sessionizer.aggregator.index;

import io.sessionizer.aggregator.state.SessionState;
import io.sessionizer.schemas.SessionSummary;
import io.sessionizer.schemas.Turn;
import io.sessionizer.schemas.records.RecordContract;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
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
 * <p>Changes are applied by the session processor at each task commit ({@link #flush}, through the callback it sets)
 * and made visible to queries right after. Until the index is known to be current, queries on it throw
 * {@link IndexUnavailableException} (a 503 with Retry-After).
 */
public final class SessionIndexStore implements StateStore, CachedStateStore<Object, Object> {
    /** The version of the documents' layout: an index written with another is rebuilt, never read. */
    public static final int FORMAT = 1;
    static final String FORMAT_KEY = "sessionizer.format";
    static final String MARKER_KEY = "sessionizer.marker";
    static final String CLEAN_KEY = "sessionizer.clean";
    private static final Logger LOG = LoggerFactory.getLogger(SessionIndexStore.class);

    private final String name;
    private Path path;
    private Directory directory;
    private IndexWriter writer;
    private SearcherManager searchers;
    /** The marker of the last clean close, when the index on disk may be reused; null otherwise. */
    private String reusableMarker;
    private String marker;
    private volatile boolean current;
    private volatile boolean open;
    private boolean changed;
    /** Set while the stores changed in ways the index has not taken yet (they are applied at the next commit). */
    private boolean pending;
    private Runnable beforeCommit;
    private long refreshIntervalMs;
    private java.util.function.LongSupplier clock = System::currentTimeMillis;
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
            // The last commit stays as it is until the task puts the index in service (markCurrent, startRebuild):
            // Kafka Streams also opens and closes every store of a task directory found at start (startup stores,
            // for the assignor's lags), and marking the index dirty there would rebuild it at every restart.
            searchers = new SearcherManager(writer, null);
        } catch (IOException e) {
            throw new ProcessorStateException("Cannot open the session index in " + path, e);
        }
        // Not logged: nothing to restore; the processor rebuilds from the restored stores when needed.
        context.register(root, (key, value) -> {
        });
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
        inService();
        current = true;
        reusableMarker = null;
    }

    /** What a rebuild read: sessions and turns. */
    public record Rebuilt(long sessions, long turns) {
    }

    /**
     * Rebuilds the index from the stores it derives from, under a new marker (which the caller files in the stores).
     * Queries answer unavailable until it is done.
     */
    public Rebuilt rebuildFrom(ReadOnlyKeyValueStore<String, SessionState> sessions,
            ReadOnlyKeyValueStore<Bytes, Turn> transcripts, String newMarker) {
        startRebuild();
        long sessionCount = 0;
        long turnCount = 0;
        try (KeyValueIterator<String, SessionState> it = sessions.all()) {
            while (it.hasNext()) {
                KeyValue<String, SessionState> entry = it.next();
                putSession(entry.key, entry.value.getSummary());
                sessionCount++;
            }
        }
        try (KeyValueIterator<Bytes, Turn> it = transcripts.all()) {
            while (it.hasNext()) {
                Turn turn = it.next().value;
                putTurn(RecordContract.sessionKey(turn.getTenant(), turn.getSessionId()), turn);
                turnCount++;
            }
        }
        finishRebuild(newMarker);
        return new Rebuilt(sessionCount, turnCount);
    }

    /** Empties the index before a rebuild; queries answer unavailable until {@link #finishRebuild}. */
    private void startRebuild() {
        current = false;
        reusableMarker = null;
        inService();
        try {
            writer.deleteAll();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        changed = true;
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

    /** Ends a rebuild under a new marker, which the caller also writes into the stores. */
    private void finishRebuild(String newMarker) {
        marker = newMarker;
        refresh();
        current = true;
    }

    /** Adds or replaces the document of a session. */
    public void putSession(String sessionKey, SessionSummary summary) {
        update(new Term(IndexDocuments.ID, IndexDocuments.sessionId(sessionKey)),
                IndexDocuments.session(sessionKey, summary));
    }

    /** Adds or replaces the document of a turn. */
    public void putTurn(String sessionKey, Turn turn) {
        update(new Term(IndexDocuments.ID, IndexDocuments.turnId(sessionKey, turn.getTraceId())),
                IndexDocuments.turn(sessionKey, turn));
    }

    /** Deletes a session's document and all of its turns' documents. */
    public void deleteSession(String sessionKey) {
        try {
            writer.deleteDocuments(new Term(IndexDocuments.SESSION_KEY, sessionKey));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        changed = true;
    }

    private void update(Term id, Iterable<? extends org.apache.lucene.index.IndexableField> document) {
        try {
            writer.updateDocument(id, document);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        changed = true;
    }

    /** The stores changed: the index takes the change at the next commit, and is not clean until then. */
    public void markPending() {
        pending = true;
    }

    /**
     * Makes changes visible to queries at most every {@code intervalMs} (0: at every commit): a reader refresh writes
     * a new segment, and one per 100 ms commit costs the stream thread more than the changes themselves.
     */
    public void refreshInterval(long intervalMs, java.util.function.LongSupplier clockMs) {
        this.refreshIntervalMs = intervalMs;
        this.clock = clockMs;
        this.lastRefreshMs = Long.MIN_VALUE / 2;
    }

    /** Makes the applied changes visible when the last refresh is at least the refresh interval old. */
    public void refreshIfDue() {
        if (changed && clock.getAsLong() - lastRefreshMs >= refreshIntervalMs) {
            refresh();
        }
    }

    /** What runs at each commit of the task, before the index is made visible: the processor's publishing. */
    public void beforeCommit(Runnable callback) {
        this.beforeCommit = callback;
    }

    /**
     * Called by Kafka Streams as a task prepares its commit (and before a clean close), where it flushes the record
     * caches, before the task's output is flushed and its transaction committed: the processor publishes what changed
     * since the last commit and applies it here, and the changes become visible to queries. So what a commit interval
     * changed is published in that commit's transaction, as a KTable's cache publishes its changes.
     *
     * <p>This is Streams' internal {@link CachedStateStore} interface, the only hook that runs at that point: a
     * store's public {@code flush}/{@code commit} runs after the transaction is committed (with the checkpoint),
     * too late to publish in it. ADR 007 says why, and what to check at a Kafka upgrade.
     */
    @Override
    public void flushCache() {
        if (beforeCommit != null) {
            beforeCommit.run();
            pending = false;
        }
        refreshIfDue();
    }

    /** Nothing to drop: the changes not yet applied are the processor's, which a dirty close discards with it. */
    @Override
    public void clearCache() {
    }

    /** The index publishes nothing through a flush listener of Streams; its processor forwards the records itself. */
    @Override
    public boolean setFlushListener(CacheFlushListener<Object, Object> listener, boolean sendOldValues) {
        return false;
    }

    /** At the checkpoint after a commit: everything was applied in {@link #flushCache()} already. */
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
        changed = false;
        lastRefreshMs = clock.getAsLong();
    }

    /**
     * A point-in-time reader of the index, to be released after use.
     *
     * @throws IndexUnavailableException while the index is being rebuilt or not yet checked
     */
    public Snapshot acquire() {
        if (!open || !current) {
            throw new IndexUnavailableException("The session index of " + name
                    + (open ? " is being rebuilt" : " is closed"));
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

    /** The number of documents, sessions and turns together, visible to queries. */
    public int documents() {
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
     * Closes the index. When it is current and every change was applied at a commit, the last Lucene commit says
     * so (clean), so that a restart on this instance reuses it; otherwise the next start rebuilds it.
     */
    @Override
    public void close() {
        if (!open) {
            return;
        }
        open = false;
        // Applied changes not yet visible (changed) are in the writer, which the last commit includes.
        boolean clean = current && !pending;
        current = false;
        try {
            if (clean) {
                commit(true);
            }
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
}
