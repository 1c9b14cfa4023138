package io.sessionizer.aggregator.topology;

import static io.sessionizer.aggregator.Otlp.attr;
import static io.sessionizer.aggregator.Otlp.span;
import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.Span;
import io.sessionizer.aggregator.AggregatorApp;
import io.sessionizer.aggregator.AggregatorSettings;
import io.sessionizer.aggregator.Otlp;
import io.sessionizer.config.Config;
import io.sessionizer.schemas.SessionSummary;
import io.sessionizer.schemas.Turn;
import io.sessionizer.schemas.internal.SessionState;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The production topology, built by the production factory with the production properties. */
class SessionTopologyTest {
    private static final String SPANS = "otlp_spans";

    @TempDir
    Path stateDir;

    private TopologyTestDriver driver;
    private TestInputTopic<String, byte[]> spans;

    @BeforeEach
    void setUp() {
        Config config = Config.load(AggregatorSettings.all(), Map.of(), Map.of(
                "state.dir", stateDir.toString(),
                "application.id", "topology-test"));
        driver = new TopologyTestDriver(SessionTopology.build(config), AggregatorApp.streamsProperties(config, 8080));
        spans = driver.createInputTopic(SPANS, new StringSerializer(), new ByteArraySerializer());
    }

    @AfterEach
    void tearDown() {
        driver.close();
    }

    private void send(int trace, Span.Builder... spanBuilders) {
        ExportTraceServiceRequest request = Otlp.request(spanBuilders);
        spans.pipeInput(Otlp.traceHex(trace), request.toByteArray());
    }

    private static Span.Builder root(int trace, String session, long start, long end, String input, String output) {
        Span.Builder root = span(trace, trace * 100L, 0, start, end);
        if (session != null) {
            attr(root, "session.id", session);
        }
        attr(root, "input.value", input);
        attr(root, "output.value", output);
        return root;
    }

    private SessionSummary session(String sessionId) {
        KeyValueStore<String, SessionState> store = driver.getKeyValueStore(SessionTopology.SESSIONS_STORE);
        SessionState state = store.get(Tenants.sessionKey(Tenants.DEFAULT, sessionId));
        assertThat(state).as("session %s", sessionId).isNotNull();
        return state.getSummary();
    }

    private List<Turn> transcript(String sessionId) {
        KeyValueStore<Bytes, Turn> store = driver.getKeyValueStore(SessionTopology.TRANSCRIPTS_STORE);
        String key = Tenants.sessionKey(Tenants.DEFAULT, sessionId);
        List<Turn> turns = new ArrayList<>();
        try (KeyValueIterator<Bytes, Turn> it = store.range(
                io.sessionizer.aggregator.store.StoreKeys.transcriptFrom(key),
                io.sessionizer.aggregator.store.StoreKeys.transcriptTo(key))) {
            it.forEachRemaining(kv -> turns.add(kv.value));
        }
        return turns;
    }

    private static Instant at(long micros) {
        return Instant.ofEpochSecond(0, (Otlp.T0_MICROS + micros) * 1000);
    }

    @Test
    void shouldAggregateTwoSessionsOfSeveralTracesWithChildSpans() {
        send(1, root(1, "alpha", 0, 1_000, "a1", "A1"), span(1, 101, 100, 10, 900));
        send(2, root(2, "beta", 500, 2_000, "b1", "B1"), span(2, 201, 200, 600, 700), span(2, 202, 200, 700, 800));
        send(3, root(3, "alpha", 5_000, 7_000, "a2", "A2"), span(3, 301, 300, 5_100, 6_000));
        send(4, root(4, "alpha", 9_000, 9_500, "a3", "A3"));

        SessionSummary alpha = session("alpha");
        assertThat(alpha.getSessionId()).isEqualTo("alpha");
        assertThat(alpha.getTraceCount()).isEqualTo(3);
        assertThat(alpha.getSpanCount()).isEqualTo(5);
        assertThat(alpha.getStartTime()).isEqualTo(at(0));
        assertThat(alpha.getEndTime()).isEqualTo(at(9_500));
        assertThat(alpha.getFirstInput().getValue()).isEqualTo("a1");
        assertThat(alpha.getLastOutput().getValue()).isEqualTo("A3");
        assertThat(alpha.getProjects()).containsExactly("chat-app");

        SessionSummary beta = session("beta");
        assertThat(beta.getTraceCount()).isEqualTo(1);
        assertThat(beta.getSpanCount()).isEqualTo(3);
        assertThat(beta.getFirstInput().getValue()).isEqualTo("b1");
        assertThat(beta.getLastOutput().getValue()).isEqualTo("B1");
    }

    @Test
    void shouldCountARetriedExportOnce() {
        Span.Builder root = root(1, "s", 0, 1_000, "in", "out");
        Span.Builder child = span(1, 101, 100, 10, 20);
        send(1, root, child);
        send(1, root, child);
        SessionSummary s = session("s");
        assertThat(s.getTraceCount()).isEqualTo(1);
        assertThat(s.getSpanCount()).isEqualTo(2);
    }

    @Test
    void shouldAssignChildSpansThatArrivedBeforeTheSessionKey() {
        send(1, span(1, 101, 100, 10, 20), span(1, 102, 100, 30, 40));
        assertThat(driver.<String, SessionState>getKeyValueStore(SessionTopology.SESSIONS_STORE).approximateNumEntries())
                .isZero();
        send(1, root(1, "late-key", 0, 1_000, "in", "out"));
        SessionSummary s = session("late-key");
        assertThat(s.getSpanCount()).isEqualTo(3);
        assertThat(s.getTraceCount()).isEqualTo(1);
    }

    @Test
    void shouldUpdateTheTurnWhenAChildArrivesAfterItsRoot() {
        send(1, root(1, "s", 0, 1_000, "in", "out"));
        send(1, span(1, 101, 100, 10, 3_000));
        SessionSummary s = session("s");
        assertThat(s.getSpanCount()).isEqualTo(2);
        assertThat(s.getTraceCount()).isEqualTo(1);
        assertThat(s.getEndTime()).isEqualTo(at(3_000));
        assertThat(transcript("s")).hasSize(1);
    }

    @Test
    void shouldFollowStartTimesForFirstInputAndLastOutputWhenTurnsArriveOutOfOrder() {
        send(2, root(2, "s", 5_000, 6_000, "second", "SECOND"));
        send(3, root(3, "s", 9_000, 9_500, "third", "THIRD"));
        send(1, root(1, "s", 0, 1_000, "first", "FIRST"));
        SessionSummary s = session("s");
        assertThat(s.getFirstInput().getValue()).isEqualTo("first");
        assertThat(s.getLastOutput().getValue()).isEqualTo("THIRD");
        assertThat(transcript("s")).extracting(Turn::getTraceId)
                .containsExactly(Otlp.traceHex(1), Otlp.traceHex(2), Otlp.traceHex(3));
    }

    @Test
    void shouldRefileATurnWhoseRootArrivesLateWithAnEarlierStart() {
        // Trace 2's child comes first and looks later than trace 3; its root then moves it earlier.
        send(2, attr(span(2, 201, 200, 8_000, 8_100), "session.id", "s"));
        send(3, root(3, "s", 7_000, 7_500, "third", "THIRD"));
        assertThat(session("s").getLastOutput()).isNull();
        send(2, root(2, "s", 1_000, 8_200, "second", "SECOND"));
        SessionSummary s = session("s");
        assertThat(s.getTraceCount()).isEqualTo(2);
        assertThat(s.getSpanCount()).isEqualTo(3);
        assertThat(s.getFirstInput().getValue()).isEqualTo("second");
        assertThat(s.getLastOutput().getValue()).isEqualTo("THIRD");
        assertThat(transcript("s")).extracting(Turn::getTraceId).containsExactly(Otlp.traceHex(2), Otlp.traceHex(3));
    }

    @Test
    void shouldSplitARecordHoldingSeveralTraces() {
        ExportTraceServiceRequest both = Otlp.request(root(1, "x", 0, 10, "x1", "X1"), root(2, "y", 0, 10, "y1", "Y1"));
        spans.pipeInput((String) null, both.toByteArray());
        assertThat(session("x").getTraceCount()).isEqualTo(1);
        assertThat(session("y").getTraceCount()).isEqualTo(1);
    }

    @Test
    void shouldKeepTenantsApart() {
        RecordHeaders headers = new RecordHeaders();
        headers.add(Tenants.HEADER, "acme".getBytes(StandardCharsets.UTF_8));
        spans.pipeInput(new org.apache.kafka.streams.test.TestRecord<>(Otlp.traceHex(1),
                Otlp.request(root(1, "s", 0, 10, "in", "out")).toByteArray(), headers));
        KeyValueStore<String, SessionState> store = driver.getKeyValueStore(SessionTopology.SESSIONS_STORE);
        assertThat(store.get("acme/s")).isNotNull();
        assertThat(store.get("default/s")).isNull();
    }

    @Test
    void shouldSkipRecordsThatAreNotOtlpAndCarryOn() {
        spans.pipeInput(Otlp.traceHex(9), new byte[] {(byte) 0xFF, 0x01, 0x02});
        send(1, root(1, "s", 0, 10, "in", "out"));
        assertThat(session("s").getTraceCount()).isEqualTo(1);
    }

    @Test
    void shouldNameEveryOperatorInternalTopicAndStore() {
        Config config = Config.load(AggregatorSettings.all(), Map.of(), Map.of());
        String description = SessionTopology.build(config).describe().toString();
        assertThat(description).doesNotContain("KSTREAM-", "KTABLE-")
                .contains(SessionTopology.TURNS_BY_SESSION + "-repartition")
                .contains(SessionTopology.TRACE_STATE_STORE, SessionTopology.SESSIONS_STORE,
                        SessionTopology.TRANSCRIPTS_STORE, SessionTopology.TURN_INDEX_STORE);
    }
}
