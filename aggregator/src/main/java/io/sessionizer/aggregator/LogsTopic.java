package io.sessionizer.aggregator;

import io.sessionizer.config.ConfigException;
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
 * The logs input must be co-partitioned with the spans input: stage 1 reads a trace's spans and its log records in
 * one task, so partition {@code p} of both must hold the same traces, which the same key hashing gives only with the
 * same partition count. Checked at start; a missing logs topic is created like the spans topic (an upgrade from a
 * build before logs were read needs nothing), and one of another size stops the start with what to do.
 */
final class LogsTopic {
    private static final Logger LOG = LoggerFactory.getLogger(LogsTopic.class);
    private static final long TIMEOUT_MS = 15_000;

    private LogsTopic() {
    }

    /**
     * @throws ConfigException when the logs topic exists with another partition count than the spans topic
     */
    static void prepare(Admin admin, String spansTopic, String logsTopic) {
        try {
            TopicDescription spans = describe(admin, spansTopic);
            if (spans == null) {
                return; // Kafka Streams reports the missing source topic itself
            }
            int partitions = spans.partitions().size();
            TopicDescription logs = describe(admin, logsTopic);
            if (logs == null) {
                short replicas = (short) spans.partitions().get(0).replicas().size();
                try {
                    admin.createTopics(List.of(new NewTopic(logsTopic, partitions, replicas))).all()
                            .get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
                    LOG.info("Created topic {} with {} partitions, as {}", logsTopic, partitions, spansTopic);
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw e;
                    }
                }
                logs = describe(admin, logsTopic);
            }
            if (logs != null && logs.partitions().size() != partitions) {
                throw new ConfigException("Topic '" + logsTopic + "' (" + AggregatorSettings.LOGS_TOPIC.name() + ") has "
                        + logs.partitions().size() + " partitions and '" + spansTopic + "' ("
                        + AggregatorSettings.SPANS_TOPIC.name() + ") " + partitions + ": a trace's spans and log"
                        + " records must meet in one partition, so give both the same partition count");
            }
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("Cannot check topic {} against {} ({}); going on without the check", logsTopic, spansTopic,
                    e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while checking the input topics", e);
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
