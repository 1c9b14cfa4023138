package io.sessionizer.localregistry;

import static org.assertj.core.api.Assertions.assertThat;

import io.sessionizer.localregistry.RegistryHttp.Answer;
import io.sessionizer.testing.KafkaTestCluster;
import io.sessionizer.testing.SecureKafkaTestCluster;
import io.sessionizer.testing.SecureKafkaTestCluster.Mechanism;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * The registry on a cluster that only speaks SASL_SSL: it creates its topic, writes and reads its schemas there with
 * the TLS and SASL client properties it is given, and keeps them across a restart.
 */
class SecuredKafkaRegistryIT {
    private static final String USER = "{\"type\":\"record\",\"name\":\"User\",\"namespace\":\"t\","
            + "\"fields\":[{\"name\":\"name\",\"type\":\"string\"}]}";

    private final SecureKafkaTestCluster kafka = SecureKafkaTestCluster.shared();
    private final String topic = KafkaTestCluster.uniqueName("_schemas");

    @Test
    void shouldKeepSchemasOnASaslSslClusterAcrossARestart() {
        int id;
        try (LocalSchemaRegistry registry = LocalSchemaRegistry.start(kafka.bootstrapServers(),
                kafka.clientProperties(Mechanism.SCRAM_SHA_512), 0, topic)) {
            Answer answer = new RegistryHttp(registry.port()).post("/subjects/users-value/versions",
                    RegistryHttp.schemaBody(USER));
            assertThat(answer.status()).as(answer.body()).isEqualTo(200);
            id = answer.json().get("id").asInt();
        }
        // Written to the topic on the secured listener, where any other client reads it.
        ConsumerRecord<byte[], byte[]> stored = kafka.consume(Mechanism.PLAIN, topic, 1, Duration.ofSeconds(30))
                .get(0);
        assertThat(new String(stored.value(), StandardCharsets.UTF_8)).contains("users-value");

        try (LocalSchemaRegistry restarted = LocalSchemaRegistry.start(kafka.bootstrapServers(),
                kafka.clientProperties(Mechanism.PLAIN), 0, topic)) {
            Answer answer = new RegistryHttp(restarted.port()).get("/schemas/ids/" + id);
            assertThat(answer.status()).as(answer.body()).isEqualTo(200);
            assertThat(answer.json().get("schema").asText()).isEqualTo(SchemaStore.canonical(USER));
        }
    }
}
