package io.sessionizer.evaluator.run;

import static io.sessionizer.evaluator.Sessions.summary;
import static io.sessionizer.evaluator.Sessions.turn;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sessionizer.config.Config;
import io.sessionizer.config.RegistrySettings;
import io.sessionizer.schemas.SessionEvent;
import io.sessionizer.schemas.SessionEventType;
import io.sessionizer.schemas.serde.ConfluentAvroSerde;
import io.sessionizer.testing.KafkaTestCluster;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The evaluator's consumer loop on the real broker, against {@link FakeApi}: which events it judges (committed ENDED
 * of its tenant, nothing else) and when it commits (only after the verdicts were accepted). The loop against a real
 * aggregator is the integration tests' EvaluatorIT.
 */
class EvaluatorLoopIT {
    private static final int PARTITIONS = 2;
    private static final Duration WAIT = Duration.ofSeconds(60);
    private final KafkaTestCluster kafka = KafkaTestCluster.shared();
    private final List<String> progress = new CopyOnWriteArrayList<>();
    private FakeApi api;
    private String topic;
    private String group;
    private Config config;
    private ConfluentAvroSerde<SessionEvent> serde;
    private Evaluator evaluator;
    private Thread loop;

    @BeforeEach
    void setUp() throws Exception {
        api = new FakeApi();
        for (String id : List.of("s-1", "s-2", "s-aborted")) {
            api.put(summary(id, 1, 0, 0, 0), List.of(turn(1, "ok", "hi", "hello")));
        }
        topic = KafkaTestCluster.uniqueName("events");
        group = KafkaTestCluster.uniqueName("evaluator");
        kafka.createTopics(PARTITIONS, topic);
        config = Config.load(EvaluatorSettings.all(), Map.of(), Map.of(
                "kafka.bootstrap.servers", kafka.bootstrapServers(),
                "topic.events", topic,
                "schema.registry.url", "mem://" + KafkaTestCluster.uniqueName("registry"),
                "evaluator.api-url", api.url(),
                "evaluator.group", group,
                "evaluator.retry-for", "1s"));
        serde = ConfluentAvroSerde.forValue(RegistrySettings.fromConfig(config), SessionEvent.class);
    }

    private void startEvaluator() {
        evaluator = new Evaluator(config, Judges.load(config), progress::add);
        loop = new Thread(evaluator::run, "evaluator-loop-it");
        loop.start();
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        if (evaluator != null) {
            evaluator.close();
            loop.join(Duration.ofSeconds(30).toMillis());
        }
        api.close();
    }

    @Test
    void shouldJudgeEachCommittedEndedEventOfItsTenantAndCommitPastEveryEvent() throws Exception {
        try (KafkaProducer<String, byte[]> producer = transactional()) {
            producer.beginTransaction();
            send(producer, "default", "s-1", SessionEventType.STARTED);
            send(producer, "default", "s-1", SessionEventType.ENDED);
            send(producer, "default", "s-1", SessionEventType.ANNOTATED);
            send(producer, "acme", "s-2", SessionEventType.ENDED);
            producer.commitTransaction();
            producer.beginTransaction();
            send(producer, "default", "s-aborted", SessionEventType.ENDED);
            producer.flush();
            producer.abortTransaction();
            producer.beginTransaction();
            send(producer, "default", "s-2", SessionEventType.RESUMED);
            send(producer, "default", "s-2", SessionEventType.ENDED);
            producer.commitTransaction();
        }
        startEvaluator();

        await().atMost(WAIT).until(() -> committedToTheEnd());
        assertThat(progress).containsExactlyInAnyOrder(
                "Session s-1 (1 turns): has_error_turn=pass empty_answers=pass helpfulness=helpful; 0 turn verdicts",
                "Session s-2 (1 turns): has_error_turn=pass empty_answers=pass helpfulness=helpful; 0 turn verdicts");
        assertThat(api.posts).extracting(FakeApi.Post::sessionId).containsOnly("s-1", "s-2").hasSize(6);
        assertThat(api.requests).noneMatch(request -> request.contains("s-aborted"));
    }

    @Test
    void shouldCommitNothingWhileTheApiIsUnavailableAndJudgeOnceItIsBack() throws Exception {
        api.unavailable.set(Integer.MAX_VALUE);
        try (KafkaProducer<String, byte[]> producer = transactional()) {
            producer.beginTransaction();
            send(producer, "default", "s-1", SessionEventType.ENDED);
            producer.commitTransaction();
        }
        startEvaluator();

        await().atMost(WAIT).until(() -> api.requests.size() >= 3);
        assertThat(committed()).isEmpty();
        assertThat(progress).isEmpty();

        api.unavailable.set(0);
        await().atMost(WAIT).until(() -> committedToTheEnd());
        assertThat(progress).containsExactly(
                "Session s-1 (1 turns): has_error_turn=pass empty_answers=pass helpfulness=helpful; 0 turn verdicts");
    }

    private KafkaProducer<String, byte[]> transactional() {
        KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, KafkaTestCluster.uniqueName("aggregator-like")),
                new StringSerializer(), new ByteArraySerializer());
        producer.initTransactions();
        return producer;
    }

    private void send(KafkaProducer<String, byte[]> producer, String tenant, String sessionId, SessionEventType type) {
        SessionEvent event = SessionEvent.newBuilder().setTenant(tenant).setSessionId(sessionId).setType(type)
                .setTime(Instant.now()).setTraceCount(1).build();
        producer.send(new ProducerRecord<>(topic, tenant + "/" + sessionId, serde.serialize(topic, event)));
    }

    private Map<TopicPartition, OffsetAndMetadata> committed() throws Exception {
        try (Admin admin = kafka.admin()) {
            Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get();
            offsets.values().removeIf(Objects::isNull);
            return offsets;
        }
    }

    /** True when the group's committed offset of every partition is its end (past the transaction markers too). */
    private boolean committedToTheEnd() throws Exception {
        Map<TopicPartition, OffsetAndMetadata> committed = committed();
        try (Admin admin = kafka.admin()) {
            for (int p = 0; p < PARTITIONS; p++) {
                TopicPartition partition = new TopicPartition(topic, p);
                long end = admin.listOffsets(Map.of(partition, OffsetSpec.latest())).partitionResult(partition).get()
                        .offset();
                if (end > 0 && (!committed.containsKey(partition) || committed.get(partition).offset() < end)) {
                    return false;
                }
            }
        }
        return true;
    }
}
