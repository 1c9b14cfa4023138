package io.sessionizer.aggregator.topology;

import java.time.Duration;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.processor.TimestampExtractor;

/**
 * The time by which the session task orders an annotation among the turn deltas: its write time, {@link #AHEAD}
 * earlier. A task takes the record of the earliest time among its partitions, so an annotation stamped with its write
 * time would wait behind every delta of the turns' backlog, and show only once the aggregator caught up. Its fold does
 * not depend on the turns before it (an annotation may even come before its session), so it is taken ahead of up to
 * {@link #AHEAD} of backlog instead. Stream time only moves forward, so this changes no lifecycle decision (they are
 * on wall-clock time anyway), and the time is kept real enough for any broker's timestamp checks on the changelogs.
 */
public final class AnnotationTimestamps implements TimestampExtractor {
    public static final Duration AHEAD = Duration.ofMinutes(5);

    @Override
    public long extract(ConsumerRecord<Object, Object> record, long partitionTime) {
        return Math.max(0, record.timestamp() - AHEAD.toMillis());
    }
}
