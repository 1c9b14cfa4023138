package io.sessionizer.aggregator;

import io.sessionizer.config.Config;
import io.sessionizer.config.ConfigException;
import io.sessionizer.config.Setting;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Inputs that must be co-partitioned with the spans input: stage 1 reads a trace's spans and its log records in one
 * task, and stage 2 reads a session's annotations in the task of the session, so partition {@code p} of each must
 * hold the same keys, which the same key hashing gives only with the same partition count. Checked at start; a missing
 * topic is created like the spans topic (an upgrade from a build before it was read needs nothing), and one of another
 * size stops the start with what to do.
 */
final class CoPartitionedTopics {
    private static final Logger LOG = LoggerFactory.getLogger(CoPartitionedTopics.class);
    private static final long TIMEOUT_MS = 15_000;

    /** A topic that must have the spans topic's partition count, and why, for the message of a mismatch. */
    record Input(Setting<String> setting, String topic, String why) {
    }

    private CoPartitionedTopics() {
    }

    /** The inputs of the aggregator that must be co-partitioned with {@code topic.spans}. */
    static List<Input> of(Config config) {
        return List.of(
                new Input(AggregatorSettings.LOGS_TOPIC, config.get(AggregatorSettings.LOGS_TOPIC),
                        "a trace's spans and log records must meet in one partition"),
                new Input(AggregatorSettings.ANNOTATIONS_TOPIC, config.get(AggregatorSettings.ANNOTATIONS_TOPIC),
                        "a session's annotations must reach the task that keeps the session"));
    }

    /**
     * Creates each missing input with the spans topic's partition count and replication.
     *
     * @throws ConfigException when an input exists with another partition count than the spans topic
     */
    static void prepare(Admin admin, String spansTopic, List<Input> inputs) {
        try {
            TopicDescription spans = describe(admin, spansTopic);
            if (spans == null) {
                return; // Kafka Streams reports the missing source topic itself
            }
            for (Input input : inputs) {
                prepare(admin, spansTopic, spans, input);
            }
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("Cannot check topics {} against {} ({}); going on without the check",
                    inputs.stream().map(Input::topic).toList(), spansTopic, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while checking the input topics", e);
        }
    }

    private static void prepare(Admin admin, String spansTopic, TopicDescription spans, Input input)
            throws ExecutionException, InterruptedException, TimeoutException {
        int partitions = spans.partitions().size();
        TopicDescription described = describe(admin, input.topic());
        if (described == null) {
            short replicas = (short) spans.partitions().get(0).replicas().size();
            try {
                admin.createTopics(List.of(new NewTopic(input.topic(), partitions, replicas))).all()
                        .get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
                LOG.info("Created topic {} with {} partitions, as {}", input.topic(), partitions, spansTopic);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw e;
                }
            }
            described = describe(admin, input.topic());
        }
        if (described != null && described.partitions().size() != partitions) {
            throw new ConfigException("Topic '" + input.topic() + "' (" + input.setting().name() + ") has "
                    + described.partitions().size() + " partitions and '" + spansTopic + "' ("
                    + AggregatorSettings.SPANS_TOPIC.name() + ") " + partitions + ": " + input.why()
                    + ", so give both the same partition count");
        }
    }

    private static TopicDescription describe(Admin admin, String topic)
            throws ExecutionException, InterruptedException, TimeoutException {
        try {
            Map<String, TopicDescription> topics = admin.describeTopics(List.of(topic)).allTopicNames()
                    .get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
            return topics.get(topic);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                return null;
            }
            throw e;
        }
    }
}
