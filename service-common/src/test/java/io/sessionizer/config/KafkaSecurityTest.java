package io.sessionizer.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class KafkaSecurityTest {
    @Test
    void shouldKeepOnlyTheSecurityProperties() {
        assertThat(KafkaSecurity.of(Map.of("bootstrap.servers", "kafka:9093", "security.protocol", "SASL_SSL",
                "sasl.mechanism", "SCRAM-SHA-512", "sasl.jaas.config", "secret", "ssl.truststore.location", "/ca.pem",
                "linger.ms", "5", "main.consumer.group.instance.id", "a")))
                .containsOnlyKeys("security.protocol", "sasl.mechanism", "sasl.jaas.config",
                        "ssl.truststore.location");
    }

    @Test
    void shouldReadTheSecurityVariablesAsTheServicesDo() {
        assertThat(KafkaSecurity.fromEnvironment(Map.of("KAFKA_SECURITY_PROTOCOL", "SSL",
                "KAFKA_SSL_TRUSTSTORE_TYPE", "PEM", "KAFKA_BOOTSTRAP_SERVERS", "kafka:9093", "KAFKA_HOME", "/opt",
                "SESSIONIZER_HTTP_PORT", "1")))
                .isEqualTo(Map.of("security.protocol", "SSL", "ssl.truststore.type", "PEM"));
    }
}
