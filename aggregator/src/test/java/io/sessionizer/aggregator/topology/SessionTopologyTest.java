package io.sessionizer.aggregator.topology;

import static io.sessionizer.testing.OtlpTraces.attr;
import static io.sessionizer.testing.OtlpTraces.span;
import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.Span;
import io.sessionizer.aggregator.AggregatorSettings;
import io.sessionizer.aggregator.errors.DeadLetters;
import io.sessionizer.aggregator.state.SessionState;
import io.sessionizer.aggregator.store.StoreKeys;
import io.sessionizer.config.Config;
import io.sessionizer.schemas.SessionEvent;
import io.sessionizer.schemas.SessionEventType;
import io.sessionizer.schemas.SessionStatus;
import io.sessionizer.schemas.SessionSummary;
import io.sessionizer.schemas.Turn;
import io.sessionizer.schemas.records.RecordContract;
import io.sessionizer.testing.OtlpTraces;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The production topology, built by the production factory with the production properties. */
class SessionTopologyTest {
    private static final String SPANS = "otlp_spans";
    private static final Instant START = Instant.parse("2026-11-23T10:00:00Z");

    @TempDir
    Path stateDir;

    private TopologyFixture topology;
    private TestInputTopic<String, byte[]> spans;
    private TestOutputTopic<String, SessionSummary> sessionsOut;
    private TestOutputTopic<String, Turn> turnsOut;
    private TestOutputTopic<String, SessionEvent> eventsOut;
    private TestOutputTopic<byte[], byte[]> dlq;

    @BeforeEach
    void setUp() {
        topology = TopologyFixture.start(stateDir, Map.of(
                "session.idle-timeout", "30m",
                "session.retention", "7d",
                "trace.pending-timeout", "5m",
                "punctuate.interval", "10s"));
        spans = topology.spans();
        sessionsOut = topology.sessions();
        turnsOut = topology.turns();
        eventsOut = topology.events();
        dlq = topology.deadLetters();
    }

    @AfterEach
    void tearDown() {
        topology.close();
    }

    private void send(int trace, Span.Builder... spanBuilders) {
        ExportTraceServiceRequest request = OtlpTraces.request(spanBuilders);
        spans.pipeInput(OtlpTraces.traceHex(trace), request.toByteArray());
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
        KeyValueStore<String, SessionState> store = topology.store(SessionTopology.SESSIONS_STORE);
        SessionState state = store.get(RecordContract.sessionKey(RecordContract.DEFAULT_TENANT, sessionId));
        assertThat(state).as("session %s", sessionId).isNotNull();
        return state.getSummary();
    }

    private List<Turn> transcript(String sessionId) {
        KeyValueStore<Bytes, Turn> store = topology.store(SessionTopology.TRANSCRIPTS_STORE);
        String key = RecordContract.sessionKey(RecordContract.DEFAULT_TENANT, sessionId);
        List<Turn> turns = new ArrayList<>();
        try (KeyValueIterator<Bytes, Turn> it = store.range(
                StoreKeys.transcriptFrom(key), StoreKeys.transcriptTo(key))) {
            it.forEachRemaining(kv -> turns.add(kv.value));
        }
        return turns;
    }

    private static Instant at(long micros) {
        return Instant.ofEpochSecond(0, (OtlpTraces.T0_MICROS + micros) * 1000);
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
        assertThat(topology.<String, SessionState>store(SessionTopology.SESSIONS_STORE).approximateNumEntries())
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
                .containsExactly(OtlpTraces.traceHex(1), OtlpTraces.traceHex(2), OtlpTraces.traceHex(3));
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
        assertThat(transcript("s")).extracting(Turn::getTraceId).containsExactly(OtlpTraces.traceHex(2), OtlpTraces.traceHex(3));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "session.id                                  | s-oi",
        "gen_ai.conversation.id                      | s-genai",
        "langfuse.session.id                         | s-langfuse",
        "metadata                                    | {\"thread_id\": \"s-langchain\"}",
        "langsmith.metadata.thread_id                | s-langsmith",
        "traceloop.association.properties.session_id | s-traceloop"})
    void shouldFindTheSessionOfEveryConvention(String attribute, String value) {
        Span.Builder root = span(1, 100, 0, 0, 1_000);
        attr(root, attribute, value);
        send(1, root);
        String session = value.startsWith("{") ? "s-langchain" : value;
        assertThat(session(session).getTraceCount()).isEqualTo(1);
    }

    @Test
    void shouldFindTheSessionKeyWhenOnlyAChildSpanCarriesIt() {
        send(1, span(1, 100, 0, 0, 1_000), attr(span(1, 101, 100, 10, 20), "session.id", "child-key"),
                span(1, 102, 100, 30, 40));
        assertThat(session("child-key").getSpanCount()).isEqualTo(3);
    }

    @Test
    void shouldCountTokensOfNestedSpansOnceAndPriceThem() {
        Span.Builder chain = span(1, 101, 100, 10, 900);
        attr(chain, "openinference.span.kind", "CHAIN");
        attr(chain, "llm.token_count.total", 3_000L);
        Span.Builder priced = span(1, 102, 101, 20, 400);
        attr(priced, "openinference.span.kind", "LLM");
        attr(priced, "llm.model_name", "gpt-4o-mini");
        attr(priced, "llm.token_count.prompt", 1_000L);
        attr(priced, "llm.token_count.completion", 500L);
        Span.Builder costed = span(1, 103, 101, 400, 800);
        attr(costed, "openinference.span.kind", "LLM");
        attr(costed, "llm.model_name", "gpt-4o-mini");
        attr(costed, "llm.token_count.prompt", 1_000L);
        attr(costed, "llm.token_count.completion", 500L);
        attr(costed, "llm.cost.total", 0.5);
        send(1, root(1, "s", 0, 1_000, "in", "out"), chain, priced);
        send(1, costed);

        SessionSummary s = session("s");
        assertThat(s.getTokenCount().getTotal()).isEqualTo(3_000);
        assertThat(s.getLlmCallCount()).isEqualTo(2);
        // gpt-4o-mini: 0.15 and 0.60 USD per million tokens; the second call says its own cost.
        assertThat(s.getCost().getTotal()).isCloseTo(0.00015 + 0.0003 + 0.5, Offset.offset(1e-12));
        assertThat(s.getModels()).containsExactly("gpt-4o-mini");
    }

    @Test
    void shouldRekeyAnUnkeyedRecordSoThatItsSpansJoinTheirTrace() {
        spans.pipeInput((String) null, OtlpTraces.request(span(1, 101, 100, 10, 20), span(2, 201, 200, 10, 20))
                .toByteArray());
        send(1, root(1, "x", 0, 1_000, "in", "out"));
        send(2, root(2, "y", 0, 1_000, "in", "out"));
        assertThat(session("x").getSpanCount()).isEqualTo(2);
        assertThat(session("y").getSpanCount()).isEqualTo(2);
    }

    @Test
    void shouldSplitARecordHoldingSeveralTraces() {
        ExportTraceServiceRequest both = OtlpTraces.request(root(1, "x", 0, 10, "x1", "X1"), root(2, "y", 0, 10, "y1", "Y1"));
        spans.pipeInput((String) null, both.toByteArray());
        assertThat(session("x").getTraceCount()).isEqualTo(1);
        assertThat(session("y").getTraceCount()).isEqualTo(1);
    }

    @Test
    void shouldKeepTenantsApart() {
        RecordHeaders headers = new RecordHeaders();
        headers.add(RecordContract.TENANT_HEADER, "acme".getBytes(StandardCharsets.UTF_8));
        spans.pipeInput(new TestRecord<>(OtlpTraces.traceHex(1),
                OtlpTraces.request(root(1, "s", 0, 10, "in", "out")).toByteArray(), headers));
        KeyValueStore<String, SessionState> store = topology.store(SessionTopology.SESSIONS_STORE);
        assertThat(store.get("acme/s")).isNotNull();
        assertThat(store.get("default/s")).isNull();
    }

    @Test
    void shouldSkipBytesThatAreNotARequestAndCarryOn() {
        // Refused by the source's serde; the dead letter it gets is checked on the real broker (PoisonSpansIT).
        byte[] garbage = {(byte) 0xFF, 0x01, 0x02};
        spans.pipeInput(OtlpTraces.traceHex(9), garbage);
        send(1, root(1, "s", 0, 10, "in", "out"));
        assertThat(session("s").getTraceCount()).isEqualTo(1);
        assertThat(topology.driver().metrics().entrySet()).anySatisfy(e -> {
            assertThat(e.getKey().name()).isEqualTo("dropped-records-total");
            assertThat((Double) e.getValue().metricValue()).isEqualTo(1.0);
        });
    }

    @Test
    void shouldCutAMegabyteInputAndOutputAndWriteEveryRecordWellUnderTheLimit() {
        TestOutputTopic<byte[], byte[]> rawTurns = topology.raw("session-turns");
        send(1, root(1, "rag", 0, 1_000, "d".repeat(1_100_000), "a".repeat(650_000)));
        send(2, root(2, "rag", 2_000, 3_000, "next question", "next answer"));

        Turn first = transcript("rag").get(0);
        assertThat(first.getInput().getTruncated()).isTrue();
        assertThat(first.getInput().getOriginalSize()).isEqualTo(1_100_000L);
        assertThat(first.getInput().getValue()).hasSize(64 * 1024);
        assertThat(first.getOutput().getOriginalSize()).isEqualTo(650_000L);
        assertThat(session("rag").getTraceCount()).isEqualTo(2);
        assertThat(session("rag").getFirstInput().getTruncated()).isTrue();
        assertThat(rawTurns.readValuesToList()).allSatisfy(v -> assertThat(v.length).isLessThan(200 * 1024));
        assertThat(dlq.isEmpty()).isTrue();
    }

    @Test
    void shouldSendATraceTooLargeToRepartitionToTheDeadLetterTopicAndCarryOn() {
        Span.Builder huge = root(3, "big", 0, 10, "in", "out");
        for (int i = 0; i < 20; i++) {
            attr(huge, "padding." + i, "p".repeat(100_000));
        }
        byte[] value = OtlpTraces.request(huge).toByteArray();
        // Not keyed by its trace: stage 1 re-keys it through spans-by-trace, whose records must fit record.max-bytes.
        spans.pipeInput((String) null, value);
        send(1, root(1, "s", 0, 10, "in", "out"));

        assertThat(session("s").getTraceCount()).isEqualTo(1);
        TestRecord<byte[], byte[]> dead = dlq.readRecord();
        assertThat(dead.value()).as("larger than a dead letter may be").isNull();
        assertThat(new String(dead.headers().lastHeader(DeadLetters.VALUE_OMITTED_HEADER).value(),
                StandardCharsets.UTF_8)).isEqualTo(Integer.toString(value.length));
        assertThat(new String(dead.headers().lastHeader(DeadLetters.REASON_HEADER).value(), StandardCharsets.UTF_8))
                .contains("record.max-bytes");
    }

    @Test
    void shouldCutAVeryLongSessionIdToAPrefixAndHash() {
        String longId = "thread-" + "x".repeat(2_000);
        send(1, root(1, longId, 0, 10, "in", "out"));
        List<TestRecord<String, SessionSummary>> summaries = sessionsOut.readRecordsToList();
        String id = summaries.get(0).value().getSessionId();
        assertThat(id).hasSize(256).startsWith("thread-xxx").matches(".*~[0-9a-f]{16}");
        assertThat(session(id).getTraceCount()).isEqualTo(1);
    }

    @Test
    void shouldSendARecordWithAnInvalidTenantToTheDeadLetterTopic() {
        RecordHeaders headers = new RecordHeaders();
        headers.add(RecordContract.TENANT_HEADER, "Not A Tenant!".getBytes(StandardCharsets.UTF_8));
        spans.pipeInput(new TestRecord<>(OtlpTraces.traceHex(1), OtlpTraces.request(root(1, "s", 0, 10, "in", "out"))
                .toByteArray(), headers));
        assertThat(dlq.readRecord().headers().toString()).contains("tenant");
    }

    @Test
    void shouldPublishSummariesTurnsAndEventsAsConfluentAvro() {
        send(1, root(1, "s", 0, 1_000, "in", "out"), span(1, 101, 100, 10, 20));
        send(1, span(1, 102, 100, 30, 40));

        List<TestRecord<String, SessionSummary>> summaries = sessionsOut.readRecordsToList();
        assertThat(summaries).hasSize(2).allSatisfy(r -> assertThat(r.key()).isEqualTo("default/s"));
        assertThat(summaries.get(1).value().getSpanCount()).isEqualTo(3);
        List<Turn> turns = turnsOut.readValuesToList();
        assertThat(turns).extracting(Turn::getSpanCount).containsExactly(2, 3);
        assertThat(eventsOut.readValuesToList()).extracting(SessionEvent::getType)
                .containsExactly(SessionEventType.STARTED);
    }

    @Test
    void shouldWriteTheConfluentWireFormat() {
        TestOutputTopic<byte[], byte[]> raw = topology.raw("sessions");
        send(1, root(1, "s", 0, 1_000, "in", "out"));
        byte[] value = raw.readValue();
        assertThat(value[0]).as("magic byte").isZero();
        assertThat(ByteBuffer.wrap(value, 1, 4).getInt()).as("schema id").isPositive();
    }

    @Test
    void shouldEndResumeAndExpireASessionOnWallClockTime() {
        send(1, root(1, "s", 0, 1_000, "in", "out"));
        topology.driver().advanceWallClockTime(Duration.ofMinutes(29));
        assertThat(session("s").getStatus()).isEqualTo(SessionStatus.ACTIVE);

        topology.driver().advanceWallClockTime(Duration.ofMinutes(2));
        assertThat(session("s").getStatus()).isEqualTo(SessionStatus.IDLE);

        send(2, root(2, "s", 60_000_000, 61_000_000, "again", "back"));
        assertThat(session("s").getStatus()).isEqualTo(SessionStatus.ACTIVE);
        assertThat(session("s").getTraceCount()).isEqualTo(2);

        topology.driver().advanceWallClockTime(Duration.ofDays(7).plusMinutes(1));
        KeyValueStore<String, SessionState> sessions = topology.store(SessionTopology.SESSIONS_STORE);
        assertThat(sessions.get("default/s")).isNull();
        assertThat(transcript("s")).isEmpty();
        KeyValueStore<Bytes, Long> index = topology.store(SessionTopology.TURN_INDEX_STORE);
        try (KeyValueIterator<Bytes, Long> it = index.all()) {
            assertThat(it.next().key).as("only the session index's marker is left").isEqualTo(StoreKeys.INDEX_MARKER);
            assertThat(it.hasNext()).isFalse();
        }
        assertThat(topology.index().documents()).as("session and turn documents left in the index").isZero();

        assertThat(eventsOut.readValuesToList()).extracting(SessionEvent::getType).containsExactly(
                SessionEventType.STARTED, SessionEventType.ENDED, SessionEventType.RESUMED, SessionEventType.ENDED,
                SessionEventType.EXPIRED);
        List<TestRecord<String, SessionSummary>> summaries = sessionsOut.readRecordsToList();
        assertThat(summaries.get(summaries.size() - 1).value()).as("tombstone").isNull();
        // Idle and expired in one check, so in one commit: only the tombstone is published of the two.
        assertThat(summaries.get(summaries.size() - 2).value().getStatus()).isEqualTo(SessionStatus.ACTIVE);
        assertThat(summaries.get(summaries.size() - 3).value().getStatus()).isEqualTo(SessionStatus.IDLE);
    }

    @Test
    void shouldEndASessionAnIdleTimeoutAfterItsLastTurnNotItsFirst() {
        send(1, root(1, "s", 0, 1_000, "in", "out"));
        topology.driver().advanceWallClockTime(Duration.ofMinutes(20));
        send(2, root(2, "s", 2_000, 3_000, "more", "answer"));
        topology.driver().advanceWallClockTime(Duration.ofMinutes(11));
        assertThat(session("s").getStatus()).as("31 min after the first turn").isEqualTo(SessionStatus.ACTIVE);

        topology.driver().advanceWallClockTime(Duration.ofMinutes(18));
        assertThat(session("s").getStatus()).as("29 min after the last turn").isEqualTo(SessionStatus.ACTIVE);
        topology.driver().advanceWallClockTime(Duration.ofMinutes(2));
        assertThat(session("s").getStatus()).as("31 min after the last turn").isEqualTo(SessionStatus.IDLE);
        assertThat(eventsOut.readValuesToList()).extracting(SessionEvent::getType)
                .containsExactly(SessionEventType.STARTED, SessionEventType.ENDED);
    }

    @Test
    void shouldDropBufferedSpansOfATraceThatGotNoSessionKeyInTime() {
        send(1, span(1, 101, 100, 10, 20), span(1, 102, 100, 30, 40));
        topology.driver().advanceWallClockTime(Duration.ofMinutes(6));
        send(1, root(1, "s", 0, 1_000, "in", "out"));
        assertThat(session("s").getSpanCount()).isEqualTo(1);
        assertThat(topology.driver().metrics().entrySet()).anySatisfy(e -> {
            assertThat(e.getKey().name()).isEqualTo("pending-spans-dropped-total");
            assertThat((Double) e.getValue().metricValue()).isEqualTo(2.0);
        });
    }

    @Test
    void shouldStillAddLateSpansAfterTheTraceStateExpired() {
        send(1, root(1, "s", 0, 1_000, "in", "out"));
        topology.driver().advanceWallClockTime(Duration.ofMinutes(61));
        send(1, attr(span(1, 101, 100, 10, 5_000), "session.id", "s"));
        SessionSummary s = session("s");
        assertThat(s.getTraceCount()).isEqualTo(1);
        assertThat(s.getSpanCount()).isEqualTo(2);
        assertThat(s.getEndTime()).isEqualTo(at(5_000));
    }

    @Test
    void shouldNameEveryOperatorInternalTopicAndStore() {
        Config config = Config.load(AggregatorSettings.all(), Map.of(), Map.of("schema.registry.url", "mem://names"));
        String description = SessionTopology.build(config).describe().toString();
        assertThat(description).doesNotContain("KSTREAM-", "KTABLE-")
                .contains(SessionTopology.TURNS_BY_SESSION + "-repartition")
                .contains(SessionTopology.SPANS_BY_TRACE + "-repartition")
                .contains(SessionTopology.TRACE_STATE_STORE, SessionTopology.TRACE_EXPIRY_STORE,
                        SessionTopology.SESSIONS_STORE, SessionTopology.TRANSCRIPTS_STORE,
                        SessionTopology.TURN_INDEX_STORE, SessionTopology.SESSION_DEADLINES_STORE,
                        SessionTopology.SESSION_INDEX_STORE,
                        SessionTopology.SESSIONS_SINK, SessionTopology.TURNS_SINK, SessionTopology.EVENTS_SINK);
    }

    @Test
    void shouldPublishTheMetadataAndTagsOfTheSessionsSpansInItsSummary() {
        Span.Builder first = root(1, "s", 0, 1_000, "in", "out");
        attr(first, "metadata", "{\"user\":{\"plan\":\"pro\"},\"thread_id\":\"t-1\"}");
        attr(first, "tag.tags", "[\"chat\"]");
        send(1, first, attr(span(1, 101, 100, 10, 900), "langfuse.trace.metadata.env", "prod"));
        Span.Builder second = root(2, "s", 2_000, 3_000, "in 2", "out 2");
        attr(second, "langsmith.metadata.env", "staging");
        attr(second, "langfuse.trace.tags", "[\"voice\",\"chat\"]");
        attr(second, "traceloop.association.properties.note", "x".repeat(300));
        send(2, second);

        List<SessionSummary> published = sessionsOut.readValuesToList();
        SessionSummary summary = published.get(published.size() - 1);
        assertThat(summary.getMetadata()).containsOnly(Map.entry("user.plan", "pro"), Map.entry("thread_id", "t-1"),
                Map.entry("env", "prod"), Map.entry("note", "x".repeat(256)));
        assertThat(summary.getTags()).containsExactly("chat", "voice");
        List<Turn> turns = turnsOut.readValuesToList();
        assertThat(turns.get(turns.size() - 1).getMetadata()).containsOnly(Map.entry("env", "staging"),
                Map.entry("note", "x".repeat(256)));
        assertThat(topology.driver().metrics().entrySet()).anySatisfy(e -> {
            assertThat(e.getKey().name()).isEqualTo("metadata-cut-total");
            assertThat((Double) e.getValue().metricValue()).isEqualTo(1.0);
        });
    }
}
