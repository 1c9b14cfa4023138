package io.sessionizer.aggregator.topology;

import static io.sessionizer.testing.OtlpTraces.attr;
import static io.sessionizer.testing.OtlpTraces.span;
import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.proto.trace.v1.Span;
import io.sessionizer.aggregator.domain.Annotations;
import io.sessionizer.aggregator.query.SessionReader;
import io.sessionizer.aggregator.state.SessionState;
import io.sessionizer.aggregator.store.StoreKeys;
import io.sessionizer.schemas.Annotation;
import io.sessionizer.schemas.AnnotationAction;
import io.sessionizer.schemas.AnnotationSummary;
import io.sessionizer.schemas.AnnotatorKind;
import io.sessionizer.schemas.BudgetKind;
import io.sessionizer.schemas.SessionAnnotation;
import io.sessionizer.schemas.SessionEvent;
import io.sessionizer.schemas.SessionEventType;
import io.sessionizer.schemas.SessionStatus;
import io.sessionizer.schemas.SessionSummary;
import io.sessionizer.schemas.Turn;
import io.sessionizer.schemas.records.AnnotationContract;
import io.sessionizer.schemas.records.RecordContract;
import io.sessionizer.testing.OtlpTraces;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.BytesSerializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fold of {@code session-annotations} into sessions and turns, in the production topology. */
class SessionAnnotationsTopologyTest {
    private static final String TENANT = RecordContract.DEFAULT_TENANT;

    @TempDir
    Path stateDir;

    private TopologyFixture topology;
    private long clock;
    private Duration elapsed = Duration.ZERO;

    @BeforeEach
    void setUp() {
        topology = TopologyFixture.start(stateDir, Map.of(
                "session.idle-timeout", "30m",
                "session.retention", "7d",
                "punctuate.interval", "10s",
                "budget.cost-usd", "0",
                "budget.tokens", "1000",
                "budget.projects", "cheap-app=0.001:"));
    }

    @AfterEach
    void tearDown() {
        topology.close();
    }

    private void sendTurn(int trace, String session, String input, String output) {
        Span.Builder root = span(trace, trace * 100L, 0, trace * 10_000L, trace * 10_000L + 1_000);
        attr(root, "session.id", session);
        attr(root, "input.value", input);
        attr(root, "output.value", output);
        topology.spans().pipeInput(OtlpTraces.traceHex(trace), OtlpTraces.request(root).toByteArray());
    }

    private Annotation annotation(String id, String traceId, String name, String label, Double score) {
        return Annotation.newBuilder()
                .setAnnotationId(id)
                .setTraceId(traceId)
                .setName(name)
                .setLabel(label)
                .setScore(score)
                .setAnnotatorKind(AnnotatorKind.HUMAN)
                .setMetadata("{\"by\":\"test\"}")
                // The API's clock, here the driver's; strictly increasing, so the latest is the one written last.
                .setCreatedAt(TopologyFixture.START.plus(elapsed).plusMillis(++clock))
                .build();
    }

    private void advance(Duration duration) {
        elapsed = elapsed.plus(duration);
        topology.driver().advanceWallClockTime(duration);
    }

    private void put(String session, Annotation annotation) {
        put(TENANT, session, annotation);
    }

    private void put(String tenant, String session, Annotation annotation) {
        topology.annotations().pipeInput(RecordContract.sessionKey(tenant, session), new SessionAnnotation(tenant,
                session, AnnotationAction.PUT, annotation.getAnnotationId(), annotation));
    }

    private void delete(String session, String id) {
        topology.annotations().pipeInput(RecordContract.sessionKey(TENANT, session),
                new SessionAnnotation(TENANT, session, AnnotationAction.DELETE, id, null));
    }

    private SessionSummary session(String id) {
        return state(id).getSummary();
    }

    private SessionState state(String id) {
        KeyValueStore<String, SessionState> store = topology.store(SessionTopology.SESSIONS_STORE);
        SessionState state = store.get(RecordContract.sessionKey(TENANT, id));
        assertThat(state).as("session %s", id).isNotNull();
        return state;
    }

    private Turn turn(String session, int trace) {
        SessionReader reader = new SessionReader(List.of(topology.partition()));
        return reader.turns(TENANT, session, null, 100).orElseThrow().items().stream()
                .filter(t -> t.getTraceId().equals(OtlpTraces.traceHex(trace))).findFirst().orElseThrow();
    }

    private List<Annotation> stored(String session) {
        KeyValueStore<Bytes, Annotation> store = topology.store(SessionTopology.ANNOTATIONS_STORE);
        try (KeyValueIterator<Bytes, Annotation> it = store.prefixScan(
                StoreKeys.annotationsOf(RecordContract.sessionKey(TENANT, session)), new BytesSerializer())) {
            List<Annotation> all = new ArrayList<>();
            it.forEachRemaining(kv -> all.add(kv.value));
            return all;
        }
    }

    private static AnnotationSummary byName(SessionSummary summary, String name) {
        return summary.getAnnotations().stream().filter(a -> a.getName().equals(name)).findFirst().orElse(null);
    }

    @Test
    void shouldFoldAnnotationsIntoTheSummaryPerNameAndPublishAnAnnotatedEventEach() {
        sendTurn(1, "s", "hi", "hello");
        topology.events().readValuesToList();
        put("s", annotation("a1", null, "quality", "good", 0.8));
        put("s", annotation("a2", null, "quality", "bad", 0.2));
        put("s", annotation("a3", null, "quality", "good", null));
        put("s", annotation("a4", null, "tone", null, 1.0));

        SessionSummary summary = session("s");
        AnnotationSummary quality = byName(summary, "quality");
        assertThat(quality.getCount()).isEqualTo(3);
        assertThat(quality.getScoreCount()).isEqualTo(2);
        assertThat(quality.getMeanScore()).isEqualTo(0.5);
        assertThat(quality.getLabelCounts()).containsExactlyInAnyOrderEntriesOf(Map.of("good", 2L, "bad", 1L));
        assertThat(quality.getLatest().getAnnotationId()).isEqualTo("a3");
        assertThat(byName(summary, "tone").getMeanScore()).isEqualTo(1.0);
        assertThat(summary.getAnnotations()).extracting(AnnotationSummary::getName).containsExactly("quality", "tone");

        List<SessionEvent> events = topology.events().readValuesToList();
        assertThat(events).extracting(SessionEvent::getType).containsOnly(SessionEventType.ANNOTATED).hasSize(4);
        assertThat(events.get(0).getAnnotationId()).isEqualTo("a1");
        assertThat(events.get(0).getAnnotationName()).isEqualTo("quality");
        assertThat(events.get(0).getTraceCount()).isEqualTo(1);
        // Published at the commit, once: the last version carries all four.
        List<SessionSummary> published = topology.sessions().readValuesToList();
        assertThat(byName(published.get(published.size() - 1), "quality").getCount()).isEqualTo(3);
    }

    @Test
    void shouldReplaceAnAnnotationOfTheSameIdAndRemoveADeletedOne() {
        sendTurn(1, "s", "hi", "hello");
        put("s", annotation("eval", null, "verdict", "fail", 0.0));
        put("s", annotation("eval", null, "verdict", "pass", 1.0));
        AnnotationSummary verdict = byName(session("s"), "verdict");
        assertThat(verdict.getCount()).as("replaced, not added").isEqualTo(1);
        assertThat(verdict.getLabelCounts()).containsExactly(Map.entry("pass", 1L));
        assertThat(verdict.getMeanScore()).isEqualTo(1.0);

        put("s", annotation("other", null, "verdict", "fail", 0.0));
        delete("s", "eval");
        verdict = byName(session("s"), "verdict");
        assertThat(verdict.getCount()).isEqualTo(1);
        assertThat(verdict.getLatest().getAnnotationId()).isEqualTo("other");

        topology.events().readValuesToList();
        delete("s", "no-such-id");
        assertThat(topology.events().readValuesToList()).as("deleting an unknown id changes nothing").isEmpty();
        delete("s", "other");
        assertThat(session("s").getAnnotations()).isEmpty();
        assertThat(stored("s")).isEmpty();
    }

    @Test
    void shouldShowAnnotationsThatCameBeforeTheSessionOnceItArrives() {
        put("later", annotation("a1", null, "quality", "good", 1.0));
        put("later", annotation("t1", OtlpTraces.traceHex(2), "thumbs", "down", 0.0));
        assertThat(topology.events().readValuesToList()).extracting(SessionEvent::getType)
                .containsExactly(SessionEventType.ANNOTATED, SessionEventType.ANNOTATED);
        assertThat(topology.sessions().readValuesToList()).as("no session is made up").isEmpty();

        sendTurn(1, "later", "first", "one");
        SessionSummary summary = session("later");
        assertThat(byName(summary, "quality").getCount()).isEqualTo(1);
        assertThat(byName(summary, "thumbs").getLabelCounts()).containsExactly(Map.entry("down", 1L));
        assertThat(turn("later", 1).getAnnotations()).isEmpty();

        // The annotated turn arrives after its annotation: it shows it from its first version on.
        sendTurn(2, "later", "second", "two");
        assertThat(turn("later", 2).getAnnotations()).extracting(Annotation::getAnnotationId).containsExactly("t1");
        List<Turn> published = topology.turns().readValuesToList();
        assertThat(published.get(published.size() - 1).getAnnotations()).hasSize(1);
    }

    @Test
    void shouldListATurnsAnnotationsOnTheTurnAndRepublishIt() {
        sendTurn(1, "s", "hi", "hello");
        sendTurn(2, "s", "again", "bye");
        topology.turns().readValuesToList();
        String trace = OtlpTraces.traceHex(1);
        put("s", annotation("up", trace, "thumbs", "up", 1.0));
        put("s", annotation("up", trace, "thumbs", "down", 0.0));
        Turn turn = turn("s", 1);
        assertThat(turn.getAnnotations()).singleElement().satisfies(a -> {
            assertThat(a.getLabel()).isEqualTo("down");
            assertThat(a.getTraceId()).isEqualTo(trace);
        });
        assertThat(turn("s", 2).getAnnotations()).isEmpty();
        assertThat(topology.turns().readValuesToList()).as("only the annotated turn is published again")
                .extracting(Turn::getTraceId).containsOnly(trace);
        // The session counts its turns' annotations too.
        assertThat(byName(session("s"), "thumbs").getLabelCounts()).containsExactly(Map.entry("down", 1L));

        // A later delta of the turn keeps its annotations.
        Span.Builder child = span(1, 101, 100, 10_100, 10_200);
        topology.spans().pipeInput(trace, OtlpTraces.request(child).toByteArray());
        assertThat(turn("s", 1).getSpanCount()).isEqualTo(2);
        assertThat(turn("s", 1).getAnnotations()).hasSize(1);
    }

    @Test
    void shouldKeepOnlyTheLatestAnnotationsOnATurnAndTheFirstNamesOnTheSummary() {
        sendTurn(1, "s", "hi", "hello");
        String trace = OtlpTraces.traceHex(1);
        for (int i = 0; i < Annotations.MAX_PER_TURN + 2; i++) {
            put("s", annotation("t" + i, trace, "n" + i, "x", null));
        }
        for (int i = Annotations.MAX_PER_TURN + 2; i < Annotations.MAX_NAMES + 3; i++) {
            put("s", annotation("s" + i, null, "n" + i, "x", null));
        }
        assertThat(turn("s", 1).getAnnotations()).hasSize(Annotations.MAX_PER_TURN)
                .extracting(Annotation::getAnnotationId).startsWith("t2").endsWith("t" + (Annotations.MAX_PER_TURN + 1));
        SessionSummary summary = session("s");
        assertThat(summary.getAnnotations()).hasSize(Annotations.MAX_NAMES);
        assertThat(summary.getAnnotationNamesCut()).isEqualTo(3);
        assertThat(stored("s")).hasSize(Annotations.MAX_NAMES + 3);
    }

    @Test
    void shouldDropAnnotationsOverTheSessionsMaximumAndCountThem() {
        sendTurn(1, "s", "hi", "hello");
        for (int i = 0; i < Annotations.MAX_PER_SESSION; i++) {
            put("s", annotation("a" + i, null, "n", "x", null));
        }
        put("s", annotation("one-too-many", null, "n", "x", null));
        put("s", annotation("a0", null, "n", "replaced", null));
        SessionSummary summary = session("s");
        assertThat(summary.getAnnotationsDropped()).isEqualTo(1);
        assertThat(byName(summary, "n").getCount()).isEqualTo(Annotations.MAX_PER_SESSION);
        assertThat(byName(summary, "n").getLabelCounts()).containsEntry("replaced", 1L);
        assertThat(stored("s")).hasSize(Annotations.MAX_PER_SESSION);
    }

    @Test
    void shouldDeleteASessionsAnnotationsWhenItExpiresAndThoseWhoseSessionNeverCame() {
        sendTurn(1, "s", "hi", "hello");
        put("s", annotation("a1", null, "quality", "good", 1.0));
        put("s", annotation("t1", OtlpTraces.traceHex(1), "thumbs", "up", 1.0));
        put("orphan", annotation("o1", null, "quality", "good", 1.0));
        advance(Duration.ofDays(3));
        // Written three days later: the waiting annotations are kept until seven days after the latest, as a session
        // is kept until seven days after its latest span.
        put("orphan", annotation("o2", null, "quality", "good", 1.0));
        KeyValueStore<Bytes, byte[]> deadlines = topology.store(SessionTopology.SESSION_DEADLINES_STORE);
        try (KeyValueIterator<Bytes, byte[]> it = deadlines.all()) {
            long filed = 0;
            while (it.hasNext()) {
                filed += StoreKeys.deadlineKey(it.next().key).equals("default/orphan") ? 1 : 0;
            }
            assertThat(filed).as("deadline entries of the waiting annotations").isEqualTo(1);
        }
        advance(Duration.ofDays(4).plusMinutes(1));

        KeyValueStore<String, SessionState> sessions = topology.store(SessionTopology.SESSIONS_STORE);
        assertThat(sessions.get("default/s")).isNull();
        assertThat(stored("s")).isEmpty();
        assertThat(stored("orphan")).extracting(Annotation::getAnnotationId).containsExactlyInAnyOrder("o1", "o2");
        advance(Duration.ofDays(3));
        assertThat(stored("orphan")).isEmpty();
    }

    @Test
    void shouldNotResumeAnIdleSessionWhenItIsAnnotated() {
        sendTurn(1, "s", "hi", "hello");
        advance(Duration.ofMinutes(31));
        assertThat(session("s").getStatus()).isEqualTo(SessionStatus.IDLE);
        put("s", annotation("verdict", null, "has_error_turn", "pass", 1.0));
        assertThat(session("s").getStatus()).isEqualTo(SessionStatus.IDLE);
        assertThat(topology.events().readValuesToList()).extracting(SessionEvent::getType)
                .containsExactly(SessionEventType.STARTED, SessionEventType.ENDED, SessionEventType.ANNOTATED);
    }

    @Test
    void shouldKeepTenantsAnnotationsApartAndDeadLetterAMismatchedKey() {
        sendTurn(1, "s", "hi", "hello");
        put("acme", "s", annotation("a1", null, "quality", "good", 1.0));
        assertThat(session("s").getAnnotations()).isEmpty();
        assertThat(stored("s")).isEmpty();

        // A body naming another tenant than its key.
        topology.annotations().pipeInput(RecordContract.sessionKey(TENANT, "s"), new SessionAnnotation("acme", "s",
                AnnotationAction.PUT, "a2", annotation("a2", null, "quality", "good", 1.0)));
        assertThat(topology.deadLetters().readRecordsToList()).hasSize(1);
        assertThat(session("s").getAnnotations()).isEmpty();
        // And processing carries on.
        put("s", annotation("a3", null, "quality", "good", 1.0));
        assertThat(byName(session("s"), "quality").getCount()).isEqualTo(1);
    }

    @Test
    void shouldCutOversizedFieldsOfARecordTheApiDidNotCheckAndDeadLetterABadTraceId() {
        sendTurn(1, "s", "hi", "hello");
        Annotation big = annotation("big", null, "n".repeat(300), "l".repeat(300), null);
        big.setExplanation("e".repeat(5_000));
        big.setMetadata("{\"k\":\"" + "v".repeat(2_000) + "\"}");
        put("s", big);
        Annotation kept = stored("s").get(0);
        assertThat(kept.getName()).hasSize(AnnotationContract.MAX_NAME_CHARS);
        assertThat(kept.getLabel()).hasSize(AnnotationContract.MAX_LABEL_CHARS);
        assertThat(kept.getExplanation()).hasSize(AnnotationContract.MAX_EXPLANATION_CHARS);
        assertThat(kept.getMetadata()).isNull();
        assertThat(topology.driver().metrics().entrySet().stream()
                .filter(e -> e.getKey().name().equals(SessionProcessor.ANNOTATION_FIELDS_CUT))
                .mapToDouble(e -> (Double) e.getValue().metricValue()).sum()).isEqualTo(4.0);

        put("s", annotation("bad", "not-a-trace-id", "thumbs", "up", 1.0));
        assertThat(topology.deadLetters().readRecordsToList()).hasSize(1);
        assertThat(stored("s")).hasSize(1);
    }

    @Test
    void shouldPublishBudgetExceededOnceWhenASessionCrossesItsProjectsBudget() {
        for (int trace = 1; trace <= 2; trace++) {
            // One LLM call of 600 tokens per turn.
            Span.Builder llm = span(trace, trace * 100L, 0, trace * 5_000L, trace * 5_000L + 1_000);
            attr(llm, "session.id", "b");
            attr(llm, "openinference.span.kind", "LLM");
            attr(llm, "llm.model_name", "gpt-4o");
            attr(llm, "llm.token_count.prompt", 400L);
            attr(llm, "llm.token_count.completion", 200L);
            attr(llm, "llm.token_count.total", 600L);
            topology.spans().pipeInput(OtlpTraces.traceHex(trace), OtlpTraces.request(llm).toByteArray());
        }
        Span.Builder third = span(3, 300, 0, 19_000, 19_500);
        attr(third, "session.id", "b");
        attr(third, "input.value", "more");
        topology.spans().pipeInput(OtlpTraces.traceHex(3), OtlpTraces.request(third).toByteArray());

        List<SessionEvent> budget = topology.events().readValuesToList().stream()
                .filter(e -> e.getType() == SessionEventType.BUDGET_EXCEEDED).toList();
        assertThat(budget).as("the default token budget of 1000, crossed by the second turn, once")
                .singleElement().satisfies(e -> {
                    assertThat(e.getBudget()).isEqualTo(BudgetKind.TOKENS);
                    assertThat(e.getTraceCount()).isEqualTo(2);
                });
        assertThat(state("b").getBudgetsCrossed()).containsExactly("TOKENS");
    }

    @Test
    void shouldReadASessionsAnnotationsOldestFirstAlsoBeforeTheSessionExists() {
        put("early", annotation("a1", null, "quality", "good", 1.0));
        put("early", annotation("a0", OtlpTraces.traceHex(9), "thumbs", "up", 1.0));
        SessionReader reader = new SessionReader(List.of(topology.partition()));
        assertThat(reader.annotations(TENANT, "early").orElseThrow()).extracting(Annotation::getAnnotationId)
                .containsExactly("a1", "a0");
        assertThat(reader.annotations(TENANT, "unknown")).isEmpty();
        assertThat(reader.annotations("acme", "early")).isEmpty();
    }
}
