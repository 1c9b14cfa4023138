package io.sessionizer.aggregator.topology;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

class AnnotationTimestampsTest {
    private static ConsumerRecord<Object, Object> written(long timestamp) {
        return new ConsumerRecord<>("session-annotations", 0, 0, timestamp, TimestampType.CREATE_TIME, 0, 0, "k", "v",
                new RecordHeaders(), Optional.empty());
    }

    @Test
    void shouldOrderAnAnnotationAheadOfTheTurnsWrittenUpToFiveMinutesBeforeIt() {
        long now = 1_800_000_000_000L;
        long extracted = new AnnotationTimestamps().extract(written(now), now);
        assertThat(extracted).isEqualTo(now - AnnotationTimestamps.AHEAD.toMillis());
        assertThat(extracted).as("before a delta of a turn written a minute before the annotation")
                .isLessThan(now - 60_000);
    }

    @Test
    void shouldNeverGiveANegativeTime() {
        assertThat(new AnnotationTimestamps().extract(written(-1), 0)).isZero();
        assertThat(new AnnotationTimestamps().extract(written(1_000), 0)).isZero();
    }
}
