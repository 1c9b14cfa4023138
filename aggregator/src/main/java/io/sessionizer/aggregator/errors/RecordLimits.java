package io.sessionizer.aggregator.errors;

import io.sessionizer.aggregator.AggregatorSettings;
import io.sessionizer.aggregator.domain.Annotations;
import io.sessionizer.aggregator.domain.TurnLimits;
import io.sessionizer.config.Config;
import io.sessionizer.config.ConfigException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The record size budget of the aggregator, in one place: the largest value it can write follows from the
 * {@link TurnLimits} and {@code trace.max-spans}; it must fit in {@code record.max-bytes}, which is the Streams
 * producer's {@code max.request.size} and the {@code max.message.bytes} of the internal topics it creates; and every
 * topic it writes must accept that much. Checked at start, so that a mismatch stops the start with the names of the
 * settings to change instead of failing a stream thread at the first large record.
 */
public final class RecordLimits {
    private static final Logger LOG = LoggerFactory.getLogger(RecordLimits.class);
    /** Room for a record's key, headers and batch framing beside its value. */
    static final int ENVELOPE_BYTES = 16 * 1024;
    /** Everything of fixed size in a turn, trace state or summary: ids, times, counts, and the latency sketch. */
    static final int FIXED_BYTES = 48 * 1024;
    /** A span id in the trace state: a zig-zag varint of a long takes at most 10 bytes. */
    static final int SPAN_ID_BYTES = 10;
    private static final Duration CHECK_TIMEOUT = Duration.ofSeconds(15);

    private final int maxRecordBytes;
    private final TurnLimits turnLimits;

    private RecordLimits(int maxRecordBytes, TurnLimits turnLimits) {
        this.maxRecordBytes = maxRecordBytes;
        this.turnLimits = turnLimits;
    }

    /**
     * The limits of a configuration.
     *
     * @throws ConfigException when the bounded records cannot fit in {@code record.max-bytes}
     */
    public static RecordLimits fromConfig(Config config) {
        long maxRecord = config.get(AggregatorSettings.RECORD_MAX_BYTES);
        long maxText = config.get(AggregatorSettings.TURN_MAX_TEXT_BYTES);
        if (maxRecord < 64 * 1024 || maxRecord > Integer.MAX_VALUE) {
            throw new ConfigException(AggregatorSettings.RECORD_MAX_BYTES.name() + " must be between 64KiB and 2GiB,"
                    + " not " + maxRecord);
        }
        if (maxText < 16 || maxText > Integer.MAX_VALUE) {
            throw new ConfigException(AggregatorSettings.TURN_MAX_TEXT_BYTES.name() + " must be at least 16 bytes,"
                    + " not " + maxText);
        }
        RecordLimits limits = new RecordLimits((int) maxRecord, new TurnLimits((int) maxText));
        long largest = largestValueBytes(limits.turnLimits, config.get(AggregatorSettings.TRACE_MAX_SPANS));
        if (largest > limits.maxValueBytes()) {
            throw new ConfigException("The largest record the aggregator may write is " + largest + " bytes ("
                    + AggregatorSettings.TURN_MAX_TEXT_BYTES.name() + "=" + maxText + " twice, "
                    + AggregatorSettings.TRACE_MAX_SPANS.name() + "=" + config.get(AggregatorSettings.TRACE_MAX_SPANS)
                    + " span and parent ids, and the bounded LLM and tool calls), more than "
                    + AggregatorSettings.RECORD_MAX_BYTES.name() + "=" + maxRecord
                    + " leaves for a value: lower the first two or raise the last");
        }
        return limits;
    }

    /**
     * The most bytes a turn, trace state or session summary can serialize to under these limits: the largest of the
     * trace state (span and parent ids, LLM spans, pending tool calls and tool-call ids, which bound a turn's lists
     * too), the turn (those lists and its annotations) and the summary (its per-name view of the annotations).
     */
    static long largestValueBytes(TurnLimits turnLimits, int maxSpans) {
        long texts = 2L * (turnLimits.maxTextBytes() + TurnLimits.MAX_NAME_BYTES);
        long names = (4L + 2L * TurnLimits.MAX_NAMES) * TurnLimits.MAX_NAME_BYTES;
        long common = texts + names + TurnLimits.MAX_METADATA_BYTES + FIXED_BYTES;
        long calls = (long) Math.max(TurnLimits.MAX_LLM_SPANS, TurnLimits.MAX_LLM_CALLS) * TurnLimits.MAX_LLM_CALL_BYTES
                + (long) TurnLimits.MAX_TOOL_CALLS * TurnLimits.MAX_TOOL_CALL_BYTES
                + (long) TurnLimits.MAX_TOOL_CALL_IDS * TurnLimits.MAX_NAME_BYTES;
        long traceState = common + calls + 2L * maxSpans * SPAN_ID_BYTES;
        long turn = common + calls + (long) Annotations.MAX_PER_TURN * Annotations.MAX_BYTES;
        long summary = common + Annotations.MAX_SUMMARY_BYTES;
        return Math.max(traceState, Math.max(turn, summary));
    }

    public int maxRecordBytes() {
        return maxRecordBytes;
    }

    /** The largest value {@link RecordSizeGuard} lets through. */
    public int maxValueBytes() {
        return maxRecordBytes - ENVELOPE_BYTES;
    }

    public TurnLimits turnLimits() {
        return turnLimits;
    }

    /**
     * Checks that every existing topic the aggregator writes accepts {@code record.max-bytes}, and that the
     * dead-letter topic exists or will be created. A broker that does not answer in time is no reason to refuse the
     * start (Kafka Streams waits for it), so that is only logged.
     *
     * @param written the topics written: outputs, the dead-letter topic, and the internal topics' prefix
     *     ({@code <application.id>-}), whose existing topics are checked too
     * @throws ConfigException naming the topic and the settings when a topic accepts less
     */
    public void checkTopics(Admin admin, Collection<String> written, String internalPrefix, String dlqTopic) {
        try {
            Set<String> existing = admin.listTopics().names().get(CHECK_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            List<ConfigResource> resources = new ArrayList<>();
            for (String topic : existing) {
                if (written.contains(topic) || topic.startsWith(internalPrefix)
                        && (topic.endsWith("-changelog") || topic.endsWith("-repartition"))) {
                    resources.add(new ConfigResource(ConfigResource.Type.TOPIC, topic));
                }
            }
            if (!existing.contains(dlqTopic) && !autoCreatesTopics(admin)) {
                throw new ConfigException("The dead-letter topic '" + dlqTopic + "' does not exist and the broker"
                        + " does not create topics: create it, or set " + AggregatorSettings.DLQ_TOPIC.name());
            }
            Map<ConfigResource, org.apache.kafka.clients.admin.Config> configs = admin.describeConfigs(resources)
                    .all().get(CHECK_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            for (Map.Entry<ConfigResource, org.apache.kafka.clients.admin.Config> entry : configs.entrySet()) {
                ConfigEntry limit = entry.getValue().get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG);
                if (limit != null && limit.value() != null && Long.parseLong(limit.value()) < maxRecordBytes) {
                    throw new ConfigException("Topic '" + entry.getKey().name() + "' accepts records of at most "
                            + limit.value() + " bytes (" + TopicConfig.MAX_MESSAGE_BYTES_CONFIG + "), less than "
                            + AggregatorSettings.RECORD_MAX_BYTES.name() + "=" + maxRecordBytes + ": raise the topic's "
                            + TopicConfig.MAX_MESSAGE_BYTES_CONFIG + " or lower "
                            + AggregatorSettings.RECORD_MAX_BYTES.name());
                }
            }
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("Cannot check the record limits of the topics ({}); going on without the check", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while checking the topics", e);
        }
    }

    private static boolean autoCreatesTopics(Admin admin)
            throws ExecutionException, InterruptedException, TimeoutException {
        String broker = admin.describeCluster().nodes().get(CHECK_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                .iterator().next().idString();
        ConfigResource resource = new ConfigResource(ConfigResource.Type.BROKER, broker);
        ConfigEntry entry = admin.describeConfigs(List.of(resource)).all()
                .get(CHECK_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).get(resource).get("auto.create.topics.enable");
        return entry == null || Boolean.parseBoolean(entry.value());
    }
}
