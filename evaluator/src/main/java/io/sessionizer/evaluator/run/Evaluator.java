package io.sessionizer.evaluator.run;

import com.fasterxml.jackson.databind.JsonNode;
import io.sessionizer.config.Config;
import io.sessionizer.config.RegistrySettings;
import io.sessionizer.evaluator.Judge;
import io.sessionizer.evaluator.JudgeUnavailableException;
import io.sessionizer.evaluator.SessionView;
import io.sessionizer.evaluator.TurnView;
import io.sessionizer.evaluator.Verdict;
import io.sessionizer.schemas.SessionEvent;
import io.sessionizer.schemas.SessionEventType;
import io.sessionizer.schemas.registry.SchemaRegistryException;
import io.sessionizer.schemas.serde.ConfluentAvroSerde;
import io.sessionizer.tls.PemTrust;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The evaluator's loop: consumes {@code session-events} in a consumer group with {@code read_committed}, and on each
 * {@code ENDED} of its tenant reads the session over the API, runs every judge and writes each verdict as an
 * annotation with the evaluator's identifier (and withdraws its own flags from turns that no longer warrant them).
 * Every other event type is skipped, {@code ANNOTATED} above all, which the evaluator's own writes cause.
 *
 * <p>At least once: a partition's offset is committed only past events whose verdicts the API accepted (202), or that
 * need none (another type, another tenant, a session the API no longer has). When the API or a judge is unavailable
 * for longer than the retry time, the partitions are put back at the first event not done, and taken again after a
 * pause; a repeat is harmless, as each verdict replaces the one of the same name and identifier. A batch that takes
 * more than half of {@code max.poll.interval.ms} is cut the same way, so that the consumer keeps its partitions.
 */
public final class Evaluator implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Evaluator.class);
    private static final Duration POLL_TIMEOUT = Duration.ofMillis(500);
    private static final Duration FIRST_PAUSE = Duration.ofSeconds(1);
    private static final Duration MAX_PAUSE = Duration.ofSeconds(30);
    private static final int DEFAULT_MAX_POLL_INTERVAL_MS = 300_000;

    /** What became of one event. */
    enum Outcome {
        /** Judged, or nothing to judge: its offset may be committed. */
        DONE,
        /** Not now: the event is taken again later. */
        RETRY
    }

    private final Properties consumerProperties;
    private final String topic;
    private final String tenant;
    private final String identifier;
    private final ConfluentAvroSerde<SessionEvent> events;
    private final ApiClient api;
    private final List<Judge> judges;
    private final Consumer<String> progress;
    private final Duration batchBudget;
    private volatile boolean running = true;
    private volatile KafkaConsumer<String, byte[]> consumer;
    private Duration pause = FIRST_PAUSE;
    /** The offset last committed of each partition this consumer owns, so that an unchanged one is not committed. */
    private final Map<TopicPartition, Long> committed = new HashMap<>();

    /**
     * @param progress takes one line per judged session
     */
    public Evaluator(Config config, List<Judge> judges, Consumer<String> progress) {
        this.topic = config.get(EvaluatorSettings.EVENTS_TOPIC);
        this.tenant = config.get(EvaluatorSettings.TENANT);
        this.identifier = config.get(EvaluatorSettings.IDENTIFIER);
        this.events = ConfluentAvroSerde.forValue(RegistrySettings.fromConfig(config), SessionEvent.class);
        String apiCa = config.get(EvaluatorSettings.API_CA_FILE).trim();
        this.api = new ApiClient(config.get(EvaluatorSettings.API_URL), config.get(EvaluatorSettings.API_KEY),
                config.get(EvaluatorSettings.REQUEST_TIMEOUT), config.get(EvaluatorSettings.RETRY_FOR),
                apiCa.isEmpty() ? null : PemTrust.sslContext(Path.of(apiCa), EvaluatorSettings.API_CA_FILE.name()));
        this.judges = List.copyOf(judges);
        this.progress = progress;
        this.consumerProperties = consumerProperties(config);
        this.batchBudget = Duration.ofMillis(Long.parseLong(consumerProperties.getProperty(
                ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, Integer.toString(DEFAULT_MAX_POLL_INTERVAL_MS))) / 2);
    }

    /** The consumer's properties: the evaluator's defaults, the user's {@code kafka.*} over them, then its musts. */
    static Properties consumerProperties(Config config) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, EvaluatorSettings.DEFAULT_BOOTSTRAP_SERVERS);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, config.get(EvaluatorSettings.GROUP));
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, "sessionizer-evaluator");
        // A new group judges the sessions whose events are still retained too: a repeat only replaces a verdict.
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        // Each event may cost several API requests; a small batch keeps a poll's work well under max.poll.interval.
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "50");
        props.putAll(config.kafkaProperties());
        // Offsets are committed by hand, after the verdicts were accepted: at least once.
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        // Only the events of committed aggregator transactions (it writes with exactly_once_v2).
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        return props;
    }

    /**
     * Consumes until {@link #close()}.
     *
     * @throws ApiException when the API refuses the key (401, 403): no verdict could be written
     */
    public void run() {
        try (KafkaConsumer<String, byte[]> kafka = new KafkaConsumer<>(consumerProperties, new StringDeserializer(),
                new ByteArrayDeserializer())) {
            consumer = kafka;
            if (!running) {
                return;
            }
            kafka.subscribe(List.of(topic), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    partitions.forEach(committed::remove);
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    // Nothing to do: the first commit after the assignment writes the partition's position.
                }
            });
            while (running) {
                pollOnce(kafka);
            }
        } catch (WakeupException e) {
            // close() was called
        } finally {
            consumer = null;
        }
    }

    private void pollOnce(KafkaConsumer<String, byte[]> kafka) {
        ConsumerRecords<String, byte[]> records = kafka.poll(POLL_TIMEOUT);
        long deadline = System.nanoTime() + batchBudget.toNanos();
        boolean putBack = false;
        for (TopicPartition partition : records.partitions()) {
            for (ConsumerRecord<String, byte[]> record : records.records(partition)) {
                if (putBack || !running || System.nanoTime() - deadline > 0
                        || handle(record) == Outcome.RETRY) {
                    // Taken again after the next poll, from this event on.
                    kafka.seek(partition, record.offset());
                    putBack = true;
                    break;
                }
            }
        }
        commit(kafka);
        if (putBack && running) {
            pauseBeforeRetry();
        } else if (!records.isEmpty()) {
            pause = FIRST_PAUSE;
        }
    }

    /**
     * Commits each partition's position: past every event done, and before the first put back. The position is also
     * past the transaction markers and aborted records, so a group that has judged everything shows no lag.
     */
    private void commit(KafkaConsumer<String, byte[]> kafka) {
        Map<TopicPartition, OffsetAndMetadata> positions = new HashMap<>();
        for (TopicPartition partition : kafka.assignment()) {
            long position = kafka.position(partition);
            Long last = committed.get(partition);
            if (last == null || last < position) {
                positions.put(partition, new OffsetAndMetadata(position));
            }
        }
        if (positions.isEmpty()) {
            return;
        }
        try {
            kafka.commitSync(positions);
            positions.forEach((partition, offset) -> committed.put(partition, offset.offset()));
        } catch (CommitFailedException | RebalanceInProgressException e) {
            // The group moved the partitions on (a batch outlasted max.poll.interval.ms): their new owner takes the
            // events from the last commit, and judges these sessions again.
            LOG.warn("Could not commit the offsets of the sessions just judged; they are judged again: {}",
                    e.getMessage());
        }
    }

    private void pauseBeforeRetry() {
        long until = System.nanoTime() + pause.toNanos();
        pause = pause.multipliedBy(2).compareTo(MAX_PAUSE) > 0 ? MAX_PAUSE : pause.multipliedBy(2);
        try {
            while (running && until - System.nanoTime() > 0) {
                Thread.sleep(Math.min(100, Math.max(1, (until - System.nanoTime()) / 1_000_000)));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    Outcome handle(ConsumerRecord<String, byte[]> record) {
        SessionEvent event;
        try {
            event = events.deserialize(record.topic(), record.value());
        } catch (SerializationException e) {
            LOG.warn("Skipping the undecodable record at offset {} of {}-{}: {}", record.offset(), record.topic(),
                    record.partition(), e.getMessage());
            return Outcome.DONE;
        } catch (SchemaRegistryException e) {
            LOG.warn("The schema registry cannot be reached; the events are taken again later: {}", e.getMessage());
            return Outcome.RETRY;
        }
        if (event == null || event.getType() != SessionEventType.ENDED || !tenant.equals(event.getTenant())) {
            return Outcome.DONE;
        }
        return evaluate(event.getSessionId());
    }

    /** Judges the session {@code sessionId} of the evaluator's tenant and writes the verdicts. */
    Outcome evaluate(String sessionId) {
        try {
            Optional<SessionView> session = api.session(tenant, sessionId);
            Optional<List<TurnView>> turns = session.isPresent() ? api.turns(sessionId) : Optional.empty();
            if (turns.isEmpty()) {
                progress.accept("Session " + sessionId + ": not found (expired), skipped");
                return Outcome.DONE;
            }
            List<String> sessionVerdicts = new ArrayList<>();
            int turnVerdicts = 0;
            int withdrawn = 0;
            for (Judge judge : judges) {
                List<Verdict> verdicts;
                try {
                    verdicts = judge.judge(session.get(), turns.get());
                } catch (JudgeUnavailableException e) {
                    LOG.warn("Judge {} cannot answer now; session {} is judged again later: {}", judge.name(),
                            sessionId, e.getMessage());
                    return Outcome.RETRY;
                } catch (RuntimeException e) {
                    LOG.warn("Judge {} failed on session {}; its verdicts are skipped", judge.name(), sessionId, e);
                    continue;
                }
                for (Verdict verdict : verdicts) {
                    if (!write(sessionId, judge, verdict)) {
                        continue;
                    }
                    if (verdict.onSession()) {
                        sessionVerdicts.add(verdict.name() + "=" + (verdict.label() != null ? verdict.label()
                                : String.format(Locale.ROOT, "%.3f", verdict.score())));
                    } else {
                        turnVerdicts++;
                    }
                }
                withdrawn += withdrawFlags(sessionId, judge, verdicts, turns.get());
            }
            progress.accept(String.format(Locale.ROOT, "Session %s (%d turns): %s; %d turn verdicts%s", sessionId,
                    turns.get().size(), sessionVerdicts.isEmpty() ? "no session verdict"
                            : String.join(" ", sessionVerdicts), turnVerdicts,
                    withdrawn == 0 ? "" : ", " + withdrawn + " withdrawn"));
            return Outcome.DONE;
        } catch (ApiUnavailableException e) {
            LOG.warn("The API is unavailable; session {} is judged again later: {}", sessionId, e.getMessage());
            return Outcome.RETRY;
        } catch (ApiException e) {
            if (e.unauthorized()) {
                throw e;
            }
            LOG.warn("Session {} skipped: {}", sessionId, e.getMessage());
            return Outcome.DONE;
        }
    }

    /** Writes one verdict; false when the API refused it (logged), which no retry would change. */
    private boolean write(String sessionId, Judge judge, Verdict verdict) {
        try {
            api.write(sessionId, verdict, judge.kind(), identifier);
            return true;
        } catch (ApiException e) {
            if (e.unauthorized()) {
                throw e;
            }
            LOG.warn("Verdict {} of judge {} on session {} was refused, skipped: {}", verdict.name(), judge.name(),
                    sessionId, e.getMessage());
            return false;
        }
    }

    /**
     * Deletes the evaluator's own flags ({@link Judge#flagNames()}) of {@code judge} from the turns it no longer flags:
     * a re-evaluation replaces a verdict it gives again, and this withdraws one it does not. Only the annotations a
     * turn lists (its latest 8) are seen. Answers how many were deleted.
     */
    private int withdrawFlags(String sessionId, Judge judge, List<Verdict> verdicts, List<TurnView> turns) {
        Set<String> flags = judge.flagNames();
        if (flags.isEmpty()) {
            return 0;
        }
        Set<String> given = new HashSet<>();
        for (Verdict verdict : verdicts) {
            if (!verdict.onSession()) {
                given.add(verdict.traceId() + "/" + verdict.name());
            }
        }
        int withdrawn = 0;
        for (TurnView turn : turns) {
            for (JsonNode annotation : turn.json().path("annotations")) {
                String name = annotation.path("name").asText();
                if (identifier.equals(annotation.path("identifier").asText()) && flags.contains(name)
                        && !given.contains(turn.traceId() + "/" + name)
                        && annotation.path("annotation_id").isTextual()) {
                    try {
                        api.delete(sessionId, turn.traceId(), annotation.path("annotation_id").asText());
                        withdrawn++;
                    } catch (ApiException e) {
                        if (e.unauthorized()) {
                            throw e;
                        }
                        LOG.warn("Could not withdraw {} from turn {} of session {}: {}", name, turn.traceId(),
                                sessionId, e.getMessage());
                    }
                }
            }
        }
        return withdrawn;
    }

    /** Stops the loop: a poll or a retry in progress ends at once, the consumer leaves its group. */
    @Override
    public void close() {
        running = false;
        api.close();
        KafkaConsumer<String, byte[]> current = consumer;
        if (current != null) {
            current.wakeup();
        }
    }
}
