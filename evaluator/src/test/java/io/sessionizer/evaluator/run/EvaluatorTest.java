package io.sessionizer.evaluator.run;

import static io.sessionizer.evaluator.Sessions.summary;
import static io.sessionizer.evaluator.Sessions.traceId;
import static io.sessionizer.evaluator.Sessions.turn;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sessionizer.config.Config;
import io.sessionizer.config.RegistrySettings;
import io.sessionizer.evaluator.FakeLlmJudge;
import io.sessionizer.evaluator.Judge;
import io.sessionizer.evaluator.SessionView;
import io.sessionizer.evaluator.Sessions;
import io.sessionizer.evaluator.TurnView;
import io.sessionizer.evaluator.Verdict;
import io.sessionizer.evaluator.rules.EmptyAnswerJudge;
import io.sessionizer.evaluator.rules.ErrorTurnJudge;
import io.sessionizer.schemas.SessionEvent;
import io.sessionizer.schemas.SessionEventType;
import io.sessionizer.schemas.serde.ConfluentAvroSerde;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** One event at a time through the evaluator, against {@link FakeApi}; the loop on a real broker is EvaluatorIT's. */
class EvaluatorTest {
    private static final String TOPIC = "events";
    private static final AtomicLong REGISTRIES = new AtomicLong();

    private final List<String> progress = new CopyOnWriteArrayList<>();
    private FakeApi api;
    private Config config;
    private ConfluentAvroSerde<SessionEvent> serde;
    private FakeLlmJudge llm;
    private Evaluator evaluator;

    @BeforeEach
    void setUp() throws Exception {
        api = new FakeApi();
        api.put(summary("s-1", 2, 1, 0.02, 0), List.of(turn(1, "ok", "hi", "hello"), turn(2, "error", "and?", null)));
        config = Config.load(EvaluatorSettings.all(), Map.of(), Map.of(
                "evaluator.api-url", api.url(),
                "evaluator.api-key", "key-1",
                "evaluator.retry-for", "1s",
                "topic.events", TOPIC,
                "schema.registry.url", "mem://evaluator-test-" + REGISTRIES.incrementAndGet()));
        serde = ConfluentAvroSerde.forValue(RegistrySettings.fromConfig(config), SessionEvent.class);
        llm = new FakeLlmJudge();
        evaluator = evaluator(List.of(new ErrorTurnJudge(), new EmptyAnswerJudge(), llm));
    }

    private Evaluator evaluator(List<Judge> judges) {
        return new Evaluator(config, judges, progress::add);
    }

    @AfterEach
    void tearDown() {
        evaluator.close();
        api.close();
    }

    private ConsumerRecord<String, byte[]> event(String tenant, String sessionId, SessionEventType type) {
        SessionEvent event = SessionEvent.newBuilder().setTenant(tenant).setSessionId(sessionId).setType(type)
                .setTime(Instant.parse("2026-01-01T00:00:00Z")).setTraceCount(2).build();
        return new ConsumerRecord<>(TOPIC, 0, 7, tenant + "/" + sessionId, serde.serialize(TOPIC, event));
    }

    @Test
    void shouldJudgeAnEndedSessionAndWriteEveryVerdictWithTheIdentifierAndKind() {
        assertThat(evaluator.handle(event("default", "s-1", SessionEventType.ENDED)))
                .isEqualTo(Evaluator.Outcome.DONE);

        assertThat(api.posts).extracting(p -> p.body().path("name").asText(), FakeApi.Post::traceId,
                p -> p.body().path("label").asText(), p -> p.body().path("annotator_kind").asText())
                .containsExactly(
                        tuple("has_error_turn", null, "fail", "CODE"),
                        tuple("error", traceId(2), "fail", "CODE"),
                        tuple("empty_answers", null, "fail", "CODE"),
                        tuple("empty_answer", traceId(2), "fail", "CODE"),
                        tuple("helpfulness", null, "unhelpful", "LLM"));
        assertThat(api.posts).allSatisfy(p -> {
            assertThat(p.body().path("identifier").asText()).isEqualTo("sessionizer-evaluate");
            assertThat(p.authorization()).isEqualTo("Bearer key-1");
        });
        assertThat(progress).containsExactly("Session s-1 (2 turns): has_error_turn=fail empty_answers=fail"
                + " helpfulness=unhelpful; 2 turn verdicts");
    }

    @Test
    void shouldWithdrawItsOwnFlagFromATurnThatNoLongerWarrantsItAndNothingElse() {
        ObjectNode answered = turn(2, "ok", "and?", "a late answer");
        ArrayNode annotations = answered.putArray("annotations");
        annotations.add(annotation("mine-1", "empty_answer", "sessionizer-evaluate"));
        annotations.add(annotation("theirs", "empty_answer", "someone-else"));
        annotations.add(annotation("human", "thumbs", null));
        ObjectNode stillFailed = turn(3, "error", "more?", null);
        stillFailed.putArray("annotations").add(annotation("mine-2", "error", "sessionizer-evaluate"));
        api.put(summary("s-3", 3, 1, 0, 0), List.of(turn(1, "ok", "hi", "hello"), answered, stillFailed));
        evaluator = evaluator(List.of(new ErrorTurnJudge(), new EmptyAnswerJudge()));

        assertThat(evaluator.handle(event("default", "s-3", SessionEventType.ENDED)))
                .isEqualTo(Evaluator.Outcome.DONE);

        assertThat(api.deletes).containsExactly("s-3 mine-1");
        assertThat(progress).containsExactly("Session s-3 (3 turns): has_error_turn=fail empty_answers=fail;"
                + " 2 turn verdicts, 1 withdrawn");
    }

    private static ObjectNode annotation(String id, String name, String identifier) {
        ObjectNode annotation = Sessions.JSON.createObjectNode();
        annotation.put("annotation_id", id);
        annotation.put("name", name);
        annotation.put("label", "fail");
        annotation.put("identifier", identifier);
        return annotation;
    }

    @Test
    void shouldSkipEveryOtherEventTypeAndOtherTenants() {
        for (SessionEventType type : SessionEventType.values()) {
            if (type != SessionEventType.ENDED) {
                assertThat(evaluator.handle(event("default", "s-1", type))).isEqualTo(Evaluator.Outcome.DONE);
            }
        }
        assertThat(evaluator.handle(event("acme", "s-1", SessionEventType.ENDED))).isEqualTo(Evaluator.Outcome.DONE);

        assertThat(api.requests).isEmpty();
    }

    @Test
    void shouldSkipASessionTheApiNoLongerHasAndARecordItCannotDecode() {
        assertThat(evaluator.handle(event("default", "expired", SessionEventType.ENDED)))
                .isEqualTo(Evaluator.Outcome.DONE);
        assertThat(evaluator.handle(new ConsumerRecord<>(TOPIC, 0, 8, "k", new byte[] {1, 2, 3})))
                .isEqualTo(Evaluator.Outcome.DONE);

        assertThat(api.posts).isEmpty();
        assertThat(progress).containsExactly("Session expired: not found (expired), skipped");
    }

    @Test
    void shouldRetryLaterWhenTheApiStaysUnavailableOrAJudgeCannotAnswer() {
        api.unavailable.set(1_000);
        assertThat(evaluator.handle(event("default", "s-1", SessionEventType.ENDED)))
                .isEqualTo(Evaluator.Outcome.RETRY);

        api.unavailable.set(0);
        llm.unavailable = true;
        assertThat(evaluator.handle(event("default", "s-1", SessionEventType.ENDED)))
                .isEqualTo(Evaluator.Outcome.RETRY);
    }

    @Test
    void shouldGoOnPastARefusedVerdictOrAFailingJudgeButStopOnARefusedKey() {
        Judge broken = new Judge() {
            @Override
            public String name() {
                return "broken";
            }

            @Override
            public List<Verdict> judge(SessionView session,
                    List<TurnView> turns) {
                throw new IllegalStateException("bug");
            }
        };
        evaluator = evaluator(List.of(broken, new ErrorTurnJudge()));
        api.refuseWith = 400;
        assertThat(evaluator.handle(event("default", "s-1", SessionEventType.ENDED)))
                .isEqualTo(Evaluator.Outcome.DONE);
        assertThat(progress).containsExactly("Session s-1 (2 turns): no session verdict; 0 turn verdicts");

        api.refuseWith = 403;
        assertThatThrownBy(() -> evaluator.handle(event("default", "s-1", SessionEventType.ENDED)))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(403));
    }

    @Test
    void shouldConsumeReadCommittedWithoutAutoCommitWhateverTheUserSets() {
        Config withKafka = Config.load(EvaluatorSettings.all(), Map.of(), Map.of(
                "kafka.enable.auto.commit", "true", "kafka.isolation.level", "read_uncommitted",
                "kafka.bootstrap.servers", "broker:9092", "evaluator.group", "g"));

        assertThat(Evaluator.consumerProperties(withKafka)).containsEntry("enable.auto.commit", "false")
                .containsEntry("isolation.level", "read_committed").containsEntry("bootstrap.servers", "broker:9092")
                .containsEntry("group.id", "g").containsEntry("auto.offset.reset", "earliest");
    }
}
