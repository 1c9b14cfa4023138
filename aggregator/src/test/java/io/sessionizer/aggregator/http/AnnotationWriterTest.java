package io.sessionizer.aggregator.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.sessionizer.aggregator.AggregatorApp;
import io.sessionizer.aggregator.AggregatorSettings;
import io.sessionizer.config.Config;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.junit.jupiter.api.Test;

class AnnotationWriterTest {
    private static Map<String, Object> producer(Map<String, String> settings) {
        Config config = Config.load(AggregatorSettings.all(), Map.of(), settings);
        return AnnotationWriter.producerProperties(AggregatorApp.streamsProperties(config, 0),
                config.get(AggregatorSettings.ANNOTATIONS_PRODUCE_TIMEOUT));
    }

    @Test
    void shouldConnectAsTheAggregatorDoesWithTheUsersKafkaSettings() {
        Map<String, Object> props = producer(Map.of(
                "kafka.bootstrap.servers", "broker-1:9093,broker-2:9093",
                "kafka.security.protocol", "SASL_SSL",
                "kafka.sasl.mechanism", "PLAIN",
                "kafka.producer.compression.type", "zstd",
                "application.id", "agg"));

        assertThat(props).containsEntry(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "broker-1:9093,broker-2:9093")
                .containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("sasl.mechanism", "PLAIN")
                .containsEntry(ProducerConfig.COMPRESSION_TYPE_CONFIG, "zstd")
                .containsEntry(ProducerConfig.CLIENT_ID_CONFIG, "agg-annotations")
                .doesNotContainKey(ProducerConfig.TRANSACTIONAL_ID_CONFIG)
                .doesNotContainKey(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG);
    }

    @Test
    void shouldWaitForEveryReplicaWithoutDuplicatesAndNoLongerThanTheProduceTimeout() {
        Map<String, Object> props = producer(Map.of("annotations.produce-timeout", "4s"));

        assertThat(props).containsEntry(ProducerConfig.ACKS_CONFIG, "all")
                .containsEntry(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true)
                .containsEntry(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 4000)
                .containsEntry(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 4000)
                .containsEntry(ProducerConfig.MAX_BLOCK_MS_CONFIG, 4000)
                .containsEntry(ProducerConfig.LINGER_MS_CONFIG, 0);
    }

    @Test
    void shouldKeepItsOwnGuaranteesOverTheUsersKafkaSettings() {
        Map<String, Object> props = producer(Map.of("kafka.acks", "1", "kafka.delivery.timeout.ms", "600000"));

        assertThat(props).containsEntry(ProducerConfig.ACKS_CONFIG, "all")
                .containsEntry(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 10_000);
    }
}
