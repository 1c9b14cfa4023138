package io.sessionizer.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sessionizer.testing.SecureKafkaTestCluster.Mechanism;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The SASL_SSL broker: each mechanism round-trips a record; a wrong password or an untrusted server is refused. */
class SecureKafkaTestClusterIT {
    private final SecureKafkaTestCluster kafka = SecureKafkaTestCluster.shared();

    @TempDir
    Path otherCaDir;

    @ParameterizedTest
    @EnumSource(Mechanism.class)
    void shouldRoundTripARecordOverSaslSsl(Mechanism mechanism) throws Exception {
        String topic = KafkaTestCluster.uniqueName("secure-" + mechanism.name().toLowerCase());
        kafka.createTopics(1, topic);
        Map<String, Object> props = new HashMap<>(kafka.clientProperties(mechanism));
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(topic, "k".getBytes(StandardCharsets.UTF_8),
                    ("hello over " + mechanism.saslName()).getBytes(StandardCharsets.UTF_8))).get(30, TimeUnit.SECONDS);
        }

        List<ConsumerRecord<byte[], byte[]>> records = kafka.consume(mechanism, topic, 1, Duration.ofSeconds(30));

        assertThat(new String(records.get(0).value(), StandardCharsets.UTF_8))
                .isEqualTo("hello over " + mechanism.saslName());
    }

    @ParameterizedTest
    @EnumSource(Mechanism.class)
    void shouldRefuseAWrongPassword(Mechanism mechanism) {
        Map<String, Object> props = new HashMap<>(kafka.clientProperties(mechanism,
                SecureKafkaTestCluster.user(mechanism), "not-the-password"));
        try (Admin admin = Admin.create(props)) {
            assertThatThrownBy(() -> admin.describeCluster().nodes().get(30, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(SaslAuthenticationException.class);
        }
    }

    @ParameterizedTest
    @EnumSource(Mechanism.class)
    void shouldRefuseABrokerTheClientDoesNotTrust(Mechanism mechanism) {
        Map<String, Object> props = new HashMap<>(kafka.clientProperties(mechanism));
        // Another CA than the broker's: the client must not talk to it.
        props.put("ssl.truststore.location", TestCertificates.create(otherCaDir).caFile().toString());
        try (Admin admin = Admin.create(props)) {
            assertThatThrownBy(() -> admin.describeCluster().nodes().get(30, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(SslAuthenticationException.class);
        }
    }
}
