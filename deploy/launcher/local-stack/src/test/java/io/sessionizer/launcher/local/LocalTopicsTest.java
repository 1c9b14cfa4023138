package io.sessionizer.launcher.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.Test;

class LocalTopicsTest {
    @Test
    void shouldSplitATopicsBytesOverItsPartitionsWithSegmentsSmallEnoughToDelete() {
        var configs = new LocalTopics.Retention(Duration.ofHours(24), 6L * 1024 * 1024 * 1024).topicConfigs(6);

        assertThat(configs).containsEntry(TopicConfig.RETENTION_MS_CONFIG, "86400000")
                .containsEntry(TopicConfig.RETENTION_BYTES_CONFIG, Long.toString(1024L * 1024 * 1024))
                .containsEntry(TopicConfig.SEGMENT_BYTES_CONFIG, Long.toString(256L * 1024 * 1024))
                .containsEntry(TopicConfig.SEGMENT_MS_CONFIG, Long.toString(6 * 3_600_000L));
    }

    @Test
    void shouldNeverAskForASegmentSmallerThanKafkaAccepts() {
        var configs = new LocalTopics.Retention(Duration.ofMinutes(1), 64L * 1024 * 1024).topicConfigs(64);

        assertThat(configs).containsEntry(TopicConfig.SEGMENT_BYTES_CONFIG, Long.toString(1024 * 1024))
                .containsEntry(TopicConfig.SEGMENT_MS_CONFIG, "60000");
    }

    @Test
    void shouldRefuseARetentionThatKeepsNothing() {
        assertThatThrownBy(() -> new LocalTopics.Retention(Duration.ofSeconds(5), 1L << 30))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
