package io.sessionizer.aggregator.index;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sessionizer.aggregator.state.SessionState;
import io.sessionizer.schemas.Cost;
import io.sessionizer.schemas.LatencyMs;
import io.sessionizer.schemas.SessionStatus;
import io.sessionizer.schemas.SessionSummary;
import io.sessionizer.schemas.TokenCount;
import io.sessionizer.schemas.Turn;
import io.sessionizer.schemas.Turns;
import io.sessionizer.schemas.serde.AvroBinarySerde;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.errors.ProcessorStateException;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.store.FSDirectory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** When the index on disk is trusted, when it is rebuilt from the stores, and how its own thread ends or fails. */
class SessionIndexStoreTest {
    private static final String NAME = "session-index";

    @TempDir
    Path stateDir;

    private StateStoreContext context;
    private KeyValueStore<String, SessionState> sessions;
    private KeyValueStore<Bytes, Turn> transcripts;
    private SessionIndexStore index;

    @BeforeEach
    void setUp() {
        context = new MockProcessorContext<>(new java.util.Properties(), new TaskId(0, 0), stateDir.toFile())
                .getStateStoreContext();
        sessions = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore("sessions"), Serdes.String(),
                AvroBinarySerde.of(SessionState.class)).withLoggingDisabled().build();
        transcripts = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore("transcripts"), Serdes.Bytes(),
                AvroBinarySerde.of(Turn.class)).withLoggingDisabled().build();
        sessions.init(context, sessions);
        transcripts.init(context, transcripts);
        sessions.put("default/s", state("s"));
        Turn turn = Turns.sample();
        transcripts.put(Bytes.wrap(new byte[] {1}), turn);
        index = open();
    }

    @AfterEach
    void tearDown() {
        index.close();
    }

    private SessionIndexStore open() {
        SessionIndexStore store = new SessionIndexStoreBuilder(NAME).build();
        store.init(context, store);
        return store;
    }

    private static SessionState state(String id) {
        Instant t = Instant.parse("2026-12-01T10:00:00Z");
        SessionSummary summary = SessionSummary.newBuilder().setTenant("default").setSessionId(id)
                .setStartTime(t).setEndTime(t.plusSeconds(1)).setTraceCount(1).setSpanCount(1)
                .setTokenCount(Turns.tokens(1L, 2L, 3L)).setCost(Turns.cost(0.1, 0.2, 0.3))
                .setLatencyMs(new LatencyMs(null, null)).setStatus(SessionStatus.ACTIVE).setUpdatedAt(t)
                .setMetadata(Map.of("team", "a")).setTags(List.of("beta")).build();
        return SessionState.newBuilder().setSummary(summary).build();
    }

    @Test
    void shouldAnswerUnavailableUntilCheckedOrRebuilt() {
        assertThat(index.isCurrent(null)).isFalse();
        assertThat(index.isCurrent("any")).isFalse();
        assertThatThrownBy(index::acquire).isInstanceOf(IndexUnavailableException.class)
                .hasMessageContaining("rebuilt");
        SessionIndexStore.Rebuilt rebuilt = index.rebuildFrom(sessions, transcripts, "m1").join();
        assertThat(rebuilt.sessions()).isEqualTo(1);
        assertThat(rebuilt.turns()).isEqualTo(1);
        assertThat(index.documents()).isEqualTo(2);
    }

    @Test
    void shouldMakeChangesVisibleAtMostOncePerRefreshInterval() {
        long[] now = {0};
        index.refreshInterval(1_000, () -> now[0]);
        index.rebuildFrom(sessions, transcripts, "m1");
        assertThat(index.documents()).isEqualTo(2);
        index.putSession("default/t", state("t").getSummary());
        now[0] = 100;
        index.flushCache();
        assertThat(index.documents()).as("refreshed 100 ms ago").isEqualTo(2);
        now[0] = 1_000;
        index.refreshIfDue();
        assertThat(index.documents()).isEqualTo(3);
    }

    @Test
    void shouldBeReusedAfterACleanCloseWithTheStoresMarkerOnly() {
        index.rebuildFrom(sessions, transcripts, "m1").join();
        index.flushCache();
        index.close();

        index = open();
        assertThat(index.isCurrent("m1")).isTrue();
        assertThat(index.isCurrent("m2")).as("another instance rebuilt since").isFalse();
        assertThat(index.isCurrent(null)).as("the stores were wiped").isFalse();
        index.markCurrent();
        assertThat(index.documents()).isEqualTo(2);
    }

    @Test
    void shouldNotBeReusedAfterACloseWithChangesNotApplied() {
        index.rebuildFrom(sessions, transcripts, "m1");
        index.markPending();
        index.close();

        index = open();
        assertThat(index.isCurrent("m1")).isFalse();
    }

    @Test
    void shouldNotBeReusedAfterACrash(@TempDir Path restarted) throws Exception {
        index.rebuildFrom(sessions, transcripts, "m1").join();
        index.flushCache();
        index.close();
        index = open();
        assertThat(index.isCurrent("m1")).as("closed cleanly").isTrue();
        index.markCurrent();
        index.awaitApplied();
        // In service again, then a crash: the process ends without close(), leaving the index's files as they are on disk now (a
        // commit's files never change once written). A restart finds them, in a copy here.
        Path crashedIndex = restarted.resolve(NAME);
        Files.createDirectories(crashedIndex);
        try (Stream<Path> files = Files.list(stateDir.resolve(NAME))) {
            for (Path file : files.filter(f -> !f.getFileName().toString().equals("write.lock")).toList()) {
                Files.copy(file, crashedIndex.resolve(file.getFileName()));
            }
        }
        SessionIndexStore afterCrash = new SessionIndexStoreBuilder(NAME).build();
        afterCrash.init(new MockProcessorContext<>(new java.util.Properties(), new TaskId(0, 0), restarted.toFile())
                .getStateStoreContext(), afterCrash);
        try {
            assertThat(afterCrash.isCurrent("m1")).isFalse();
        } finally {
            afterCrash.close();
        }
    }

    @Test
    void shouldRebuildAnIndexOfAnotherFormatNotReadIt() throws Exception {
        index.close();
        Path dir = stateDir.resolve(NAME);
        try (IndexWriter writer = new IndexWriter(FSDirectory.open(dir), new IndexWriterConfig())) {
            Document old = new Document();
            old.add(new StringField("whatever", "old", Field.Store.YES));
            writer.addDocument(old);
            writer.setLiveCommitData(Map.of(SessionIndexStore.FORMAT_KEY, "0", SessionIndexStore.CLEAN_KEY, "true",
                    SessionIndexStore.MARKER_KEY, "m1").entrySet());
            writer.commit();
        }
        index = open();
        assertThat(index.isCurrent("m1")).as("written by another build").isFalse();
        index.rebuildFrom(sessions, transcripts, "m2");
        assertThat(index.documents()).as("nothing of the old index is left").isEqualTo(2);
    }

    @Test
    void shouldStopARebuildAtCloseAndNotBeReusedAfterIt() {
        // Sessions without end: the rebuild runs until the store closes.
        CompletableFuture<SessionIndexStore.Rebuilt> rebuild = index.rebuildFrom(endless(), transcripts, "m1");
        index.close();
        assertThat(rebuild).isCompletedExceptionally();
        assertThatThrownBy(index::acquire).isInstanceOf(IndexUnavailableException.class).hasMessageContaining("closed");

        index = open();
        assertThat(index.isCurrent("m1")).as("never current: rebuilt at the next start").isFalse();
    }

    @Test
    void shouldFailTheNextCommitWhenTheIndexThreadFails() {
        index.rebuildFrom(sessions, transcripts, "m1").join();
        // A summary without tenant cannot be indexed: the index thread fails on it.
        SessionSummary broken = state("broken").getSummary();
        broken.setTenant(null);
        index.putSession("default/broken", broken);
        index.flushCache();
        assertThatThrownBy(index::awaitApplied).isInstanceOf(ProcessorStateException.class);
        assertThatThrownBy(index::acquire).isInstanceOf(IndexUnavailableException.class)
                .hasMessageContaining("failed");
        assertThatThrownBy(index::flushCache).as("the task's next commit").isInstanceOf(ProcessorStateException.class);
        index.close();

        index = open();
        assertThat(index.isCurrent("m1")).isFalse();
    }

    private static ReadOnlyKeyValueStore<String, SessionState> endless() {
        return new ReadOnlyKeyValueStore<>() {
            @Override
            public SessionState get(String key) {
                return null;
            }

            @Override
            public KeyValueIterator<String, SessionState> range(String from, String to) {
                return all();
            }

            @Override
            public KeyValueIterator<String, SessionState> all() {
                return new KeyValueIterator<>() {
                    private long n;

                    @Override
                    public boolean hasNext() {
                        return true;
                    }

                    @Override
                    public KeyValue<String, SessionState> next() {
                        String id = "s" + n++;
                        return KeyValue.pair("default/" + id, state(id));
                    }

                    @Override
                    public String peekNextKey() {
                        return "default/s" + n;
                    }

                    @Override
                    public void close() {
                    }
                };
            }

            @Override
            public long approximateNumEntries() {
                return Long.MAX_VALUE;
            }
        };
    }
}
