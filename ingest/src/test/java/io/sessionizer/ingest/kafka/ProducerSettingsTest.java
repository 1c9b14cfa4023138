package io.sessionizer.ingest.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.junit.jupiter.api.Test;

class ProducerSettingsTest {

    @Test
    void shouldAcknowledgeOnlyWhatAllReplicasStoredAndGiveUpWithinTheSendTimeout() {
        Map<String, Object> props = ProducerSettings.producer(Map.of(), Duration.ofSeconds(5), 960 << 10, 64 << 20);

        assertThat(props).containsEntry(ProducerConfig.ACKS_CONFIG, "all")
                .containsEntry(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true)
                .containsEntry(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "localhost:9092")
                .containsEntry(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 5000)
                .containsEntry(ProducerConfig.MAX_BLOCK_MS_CONFIG, 5000L);
        // Kafka itself validates the timeouts against each other (delivery >= linger + request timeout).
        ProducerConfig config = new ProducerConfig(props);
        // The default record budget plus the envelope is exactly what a broker accepts by default.
        assertThat(config.getInt(ProducerConfig.MAX_REQUEST_SIZE_CONFIG)).isEqualTo(1 << 20);
        assertThat(config.getLong(ProducerConfig.BUFFER_MEMORY_CONFIG)).isGreaterThan(64L << 20);
    }

    @Test
    void shouldLayUserPropertiesOverTheDefaults() {
        Map<String, Object> props = ProducerSettings.producer(
                Map.of("bootstrap.servers", "kafka:9092", "compression.type", "zstd"), Duration.ofSeconds(5), 1024,
                1024);

        assertThat(props).containsEntry("bootstrap.servers", "kafka:9092").containsEntry("compression.type", "zstd");
    }

    @Test
    void shouldGiveTheReadinessProbeOnlyAdminProperties() {
        Map<String, Object> props = ProducerSettings.admin(
                Map.of("bootstrap.servers", "kafka:9092", "linger.ms", "50", "security.protocol", "SSL"),
                Duration.ofSeconds(2));

        assertThat(props).containsEntry(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "kafka:9092")
                .containsEntry("security.protocol", "SSL")
                .containsEntry(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 2000)
                .doesNotContainKey("linger.ms");
    }
}
