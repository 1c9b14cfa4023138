package io.sessionizer.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.config.SslConfigs;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.network.ListenerName;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.apache.kafka.common.utils.Utils;

/**
 * One real single-node KRaft broker per test JVM with a {@code SASL_SSL} listener, started on first use and stopped
 * when the JVM exits; separate from {@link KafkaTestCluster#shared()}, which stays plain for the other tests.
 *
 * <p>The listener {@code SECURE} serves TLS with the server certificate of {@link TestCertificates#shared()} and
 * authenticates with {@code SCRAM-SHA-512} (user {@link #SCRAM_USER}, created through
 * {@code Admin#alterUserScramCredentials}) and {@code PLAIN} (user {@link #PLAIN_USER}, in the listener's JAAS
 * configuration). Passwords are random per JVM, so that a log check can look for them. {@link #clientProperties}
 * gives what a client needs: {@code security.protocol}, {@code sasl.mechanism}, {@code sasl.jaas.config} and the CA
 * as a {@code PEM} trust store.
 *
 * <p>The broker also keeps the kit's plaintext listener, for itself (inter-broker, controller) and for creating the
 * SCRAM users before anyone can log in; {@link #bootstrapServers()} and everything here use the {@code SASL_SSL}
 * listener only, so a test that passes proves the secure path. No authorizer: SASL authenticates, ACLs are not the
 * subject of these tests.
 */
public final class SecureKafkaTestCluster implements TestBroker {
    /** The user with a SCRAM-SHA-512 credential. */
    public static final String SCRAM_USER = "sessionizer-scram";
    /** The user with a PLAIN password. */
    public static final String PLAIN_USER = "sessionizer-plain";

    private static final String SECURE_LISTENER = "SECURE";
    private static final Duration LOGIN_READY_TIMEOUT = Duration.ofSeconds(30);
    private static SecureKafkaTestCluster shared;

    /** The SASL mechanisms of the listener. */
    public enum Mechanism {
        SCRAM_SHA_512("SCRAM-SHA-512", "org.apache.kafka.common.security.scram.ScramLoginModule"),
        PLAIN("PLAIN", "org.apache.kafka.common.security.plain.PlainLoginModule");

        private final String saslName;
        private final String loginModule;

        Mechanism(String saslName, String loginModule) {
            this.saslName = saslName;
            this.loginModule = loginModule;
        }

        /** The name {@code sasl.mechanism} takes. */
        public String saslName() {
            return saslName;
        }

        /** A client's {@code sasl.jaas.config} for {@code user} and {@code password}. */
        public String jaasConfig(String user, String password) {
            return loginModule + " required username=\"" + user + "\" password=\"" + password + "\";";
        }
    }

    private final KafkaClusterTestKit kit;
    private final Path dataDir;
    private final TestCertificates certificates;
    private final String scramPassword;
    private final String plainPassword;

    private SecureKafkaTestCluster(KafkaClusterTestKit kit, Path dataDir, TestCertificates certificates,
            String scramPassword, String plainPassword) {
        this.kit = kit;
        this.dataDir = dataDir;
        this.certificates = certificates;
        this.scramPassword = scramPassword;
        this.plainPassword = plainPassword;
    }

    /** The SASL_SSL broker shared by every test of this JVM. */
    public static synchronized SecureKafkaTestCluster shared() {
        if (shared == null) {
            shared = start(TestCertificates.shared());
            SecureKafkaTestCluster cluster = shared;
            Runtime.getRuntime().addShutdownHook(new Thread(cluster::stop, "secure-kafka-test-cluster-stop"));
        }
        return shared;
    }

    /** A broker of its own with the server certificate of {@code certificates} (the caller stops it). */
    public static SecureKafkaTestCluster start(TestCertificates certificates) {
        String scramPassword = randomPassword();
        String plainPassword = randomPassword();
        try {
            Path dataDir = Files.createTempDirectory("sessionizer-test-kafka-sasl-");
            TestKitNodes nodes = new TestKitNodes.Builder()
                    .setBaseDirectory(dataDir)
                    .setCombined(true)
                    .setNumBrokerNodes(1)
                    .setNumControllerNodes(1)
                    .build();
            String internal = nodes.brokerListenerName().value();
            String controller = nodes.controllerListenerName().value();
            String prefix = new ListenerName(SECURE_LISTENER).configPrefix();
            KafkaClusterTestKit kit = new KafkaClusterTestKit.Builder(nodes)
                    // The kit's plaintext listeners stay for the broker itself; clients get the SASL_SSL one.
                    .setConfigProp("listeners", internal + "://localhost:0," + controller + "://localhost:0,"
                            + SECURE_LISTENER + "://localhost:0")
                    .setConfigProp("listener.security.protocol.map", internal + ":PLAINTEXT," + controller
                            + ":PLAINTEXT," + SECURE_LISTENER + ":" + SecurityProtocol.SASL_SSL.name)
                    .setConfigProp(prefix + "sasl.enabled.mechanisms",
                            Mechanism.SCRAM_SHA_512.saslName() + "," + Mechanism.PLAIN.saslName())
                    // SCRAM credentials live in the cluster metadata; the login module needs no options.
                    .setConfigProp(prefix + "scram-sha-512.sasl.jaas.config",
                            "org.apache.kafka.common.security.scram.ScramLoginModule required;")
                    .setConfigProp(prefix + "plain.sasl.jaas.config",
                            "org.apache.kafka.common.security.plain.PlainLoginModule required user_" + PLAIN_USER
                                    + "=\"" + plainPassword + "\";")
                    // Inline PEM: a key store file of type PEM would need an encrypted key and its password.
                    .setConfigProp(prefix + SslConfigs.SSL_KEYSTORE_TYPE_CONFIG, "PEM")
                    .setConfigProp(prefix + SslConfigs.SSL_KEYSTORE_CERTIFICATE_CHAIN_CONFIG,
                            certificates.server().certificateChainPem())
                    .setConfigProp(prefix + SslConfigs.SSL_KEYSTORE_KEY_CONFIG, certificates.server().privateKeyPem())
                    // One broker: internal topics (transactions, offsets) cannot have more replicas.
                    .setConfigProp("offsets.topic.replication.factor", "1")
                    .setConfigProp("transaction.state.log.replication.factor", "1")
                    .setConfigProp("transaction.state.log.min.isr", "1")
                    .setConfigProp("group.initial.rebalance.delay.ms", "0")
                    .build();
            kit.format();
            kit.startup();
            kit.waitForReadyBrokers();
            SecureKafkaTestCluster cluster = new SecureKafkaTestCluster(kit, dataDir, certificates, scramPassword,
                    plainPassword);
            cluster.createScramUser(scramPassword);
            return cluster;
        } catch (Exception e) {
            throw new IllegalStateException("Cannot start the in-JVM Kafka cluster with a SASL_SSL listener", e);
        }
    }

    /** {@code localhost:<port>} of the SASL_SSL listener. */
    @Override
    public String bootstrapServers() {
        int port = kit.brokers().values().iterator().next().boundPort(new ListenerName(SECURE_LISTENER));
        return "localhost:" + port;
    }

    public TestCertificates certificates() {
        return certificates;
    }

    /** The password of {@code mechanism}'s user. */
    public String password(Mechanism mechanism) {
        return mechanism == Mechanism.SCRAM_SHA_512 ? scramPassword : plainPassword;
    }

    /** The user of {@code mechanism}. */
    public static String user(Mechanism mechanism) {
        return mechanism == Mechanism.SCRAM_SHA_512 ? SCRAM_USER : PLAIN_USER;
    }

    /** Every password of the broker's users: what no log may show. */
    public List<String> passwords() {
        return List.of(scramPassword, plainPassword);
    }

    /** The properties of a client that logs in with {@code mechanism} as its user, over SASL_SSL. */
    public Map<String, String> clientProperties(Mechanism mechanism) {
        return clientProperties(mechanism, user(mechanism), password(mechanism));
    }

    /**
     * The properties of a client that logs in with {@code mechanism} as {@code user} with {@code password} (which
     * may be wrong, for a test that it is refused), trusting the test CA, checking the broker's host name.
     */
    public Map<String, String> clientProperties(Mechanism mechanism, String user, String password) {
        return Map.of(
                CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
                CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, SecurityProtocol.SASL_SSL.name,
                SaslConfigs.SASL_MECHANISM, mechanism.saslName(),
                SaslConfigs.SASL_JAAS_CONFIG, mechanism.jaasConfig(user, password),
                SslConfigs.SSL_TRUSTSTORE_TYPE_CONFIG, "PEM",
                SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG, certificates.caFile().toString());
    }

    /** {@link #clientProperties(Mechanism)} as the {@code kafka.*} settings of a Sessionizer service. */
    public Map<String, String> serviceSettings(Mechanism mechanism) {
        Map<String, String> settings = new HashMap<>();
        clientProperties(mechanism).forEach((key, value) -> settings.put("kafka." + key, value));
        return Map.copyOf(settings);
    }

    /** An admin client over SASL_SSL with SCRAM-SHA-512 (the caller closes it). */
    public Admin admin() {
        return Admin.create(new HashMap<>(clientProperties(Mechanism.SCRAM_SHA_512)));
    }

    /**
     * Creates topics with the given partition count, over SASL_SSL; compacted when the name ends with
     * {@code sessions}, as {@link KafkaTestCluster#createTopics} does.
     */
    @Override
    public void createTopics(int partitions, String... names) {
        try (Admin admin = admin()) {
            List<NewTopic> topics = Arrays.stream(names)
                    .map(n -> new NewTopic(n, partitions, (short) 1))
                    .map(t -> t.name().endsWith("sessions")
                            ? t.configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT))
                            : t)
                    .toList();
            admin.createTopics(topics).all().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("Cannot create topics " + List.of(names), e);
        }
    }

    /**
     * The committed records of {@code topic} from its start, read over SASL_SSL with {@code mechanism}: at least
     * {@code count} of them, waiting at most {@code timeout}.
     *
     * @throws AssertionError when fewer arrived in time
     */
    public List<ConsumerRecord<byte[], byte[]>> consume(Mechanism mechanism, String topic, int count,
            Duration timeout) {
        Map<String, Object> props = new HashMap<>(clientProperties(mechanism));
        props.put(ConsumerConfig.GROUP_ID_CONFIG, KafkaTestCluster.uniqueName(topic + "-reader"));
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            return KafkaTestCluster.atLeast(consumer, topic, count, timeout);
        }
    }

    /** Stops the broker, then deletes its data directory. */
    public void stop() {
        try {
            kit.close();
            Utils.delete(dataDir.toFile());
        } catch (Exception e) {
            throw new IllegalStateException("Cannot stop the in-JVM Kafka cluster", e);
        }
    }

    /**
     * Creates the SCRAM user through the plaintext listener (nobody can log in over SASL before it exists), then
     * waits until a login over SASL_SSL works: the broker learns the credential from the metadata log a moment later.
     */
    private void createScramUser(String password) throws Exception {
        try (Admin internal = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                kit.bootstrapServers()))) {
            internal.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(SCRAM_USER,
                    new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 8192), password)))
                    .all().get(30, TimeUnit.SECONDS);
        }
        long deadline = System.nanoTime() + LOGIN_READY_TIMEOUT.toNanos();
        while (true) {
            try (Admin admin = admin()) {
                admin.describeCluster().nodes().get(10, TimeUnit.SECONDS);
                return;
            } catch (Exception e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(100);
            }
        }
    }

    private static String randomPassword() {
        byte[] bytes = new byte[18];
        new SecureRandom().nextBytes(bytes);
        return "pw-" + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
