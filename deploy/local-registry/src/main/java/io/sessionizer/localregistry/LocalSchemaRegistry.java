package io.sessionizer.localregistry;

import com.linecorp.armeria.server.GracefulShutdown;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.Server;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local stack's Schema Registry: an HTTP server speaking the Confluent Schema Registry REST API (see
 * {@link RegistryApi} for what it serves), because Confluent's registry ({@code io.confluent:*}) is not in the
 * reachable Maven registry and the local stack runs without external services.
 *
 * <p>Durable: each registration is written to a compacted, single-partition Kafka topic with {@code acks=all} before
 * it is answered, and at start the topic is read from the beginning to rebuild the state, so ids survive a restart.
 * <b>Single writer:</b> ids are assigned from this instance's memory, so exactly one instance may serve a topic at a
 * time, which is how the local stack runs it; it has no leader election, unlike Confluent's.
 */
public final class LocalSchemaRegistry implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LocalSchemaRegistry.class);
    public static final String DEFAULT_TOPIC = "_schemas";
    public static final int DEFAULT_PORT = 8081;
    /** Bound of each Kafka operation: creating the topic, reading it back, one registration's write. */
    private static final Duration KAFKA_TIMEOUT = Duration.ofSeconds(30);
    /** A registration in flight when stopping may still finish; nothing else is long-running. */
    private static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(5);

    private final Server server;
    private final KafkaSchemaLog log;
    private final AtomicBoolean closed = new AtomicBoolean();

    private LocalSchemaRegistry(Server server, KafkaSchemaLog log) {
        this.server = server;
        this.log = log;
    }

    /**
     * Creates the topic when it is missing, reads it back, and returns once the server listens.
     *
     * @param port the HTTP port; 0 picks a free one
     * @param topic where the schemas are kept, {@value #DEFAULT_TOPIC} by default
     */
    public static LocalSchemaRegistry start(String bootstrapServers, int port, String topic) {
        return start(bootstrapServers, Map.of(), port, topic, Function.identity());
    }

    /**
     * {@link #start(String, int, String)} against a secured cluster.
     *
     * @param kafkaSecurity the Kafka client properties of TLS and SASL ({@code KafkaSecurity}), laid under the
     *     registry's own
     */
    public static LocalSchemaRegistry start(String bootstrapServers, Map<String, String> kafkaSecurity, int port,
            String topic) {
        return start(bootstrapServers, kafkaSecurity, port, topic, Function.identity());
    }

    static LocalSchemaRegistry start(String bootstrapServers, int port, String topic,
            Function<? super HttpService, ? extends HttpService> decorator) {
        return start(bootstrapServers, Map.of(), port, topic, decorator);
    }

    /** @param decorator wraps the whole API; tests use it to observe and disturb requests */
    static LocalSchemaRegistry start(String bootstrapServers, Map<String, String> kafkaSecurity, int port,
            String topic, Function<? super HttpService, ? extends HttpService> decorator) {
        KafkaSchemaLog log = KafkaSchemaLog.open(bootstrapServers, kafkaSecurity, topic, KAFKA_TIMEOUT);
        try {
            List<SchemaEntry> entries = log.readAll();
            SchemaStore store = new SchemaStore(log, entries);
            RegistryErrors errors = new RegistryErrors();
            Server server = Server.builder()
                    .http(port)
                    .annotatedService(new RegistryApi(store), errors)
                    .errorHandler(errors)
                    .decorator(decorator)
                    .gracefulShutdown(GracefulShutdown.builder()
                            .quietPeriod(Duration.ZERO)
                            .timeout(SHUTDOWN_TIMEOUT)
                            .build())
                    .build();
            server.start().join();
            LOG.info("Schema Registry listening on port {}; {} subject versions read back from topic {}",
                    server.activeLocalPort(), entries.size(), topic);
            return new LocalSchemaRegistry(server, log);
        } catch (RuntimeException e) {
            log.close();
            throw e;
        }
    }

    public int port() {
        return server.activeLocalPort();
    }

    /** Stops accepting, lets a registration in flight finish, then closes the Kafka producer. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            try {
                server.stop().join();
            } finally {
                log.close();
            }
        }
    }
}
