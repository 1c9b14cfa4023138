package io.sessionizer.aggregator;

import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.file.HttpFile;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.sessionizer.aggregator.errors.DeadLetterDeserializationHandler;
import io.sessionizer.aggregator.errors.DeadLetterProcessingHandler;
import io.sessionizer.aggregator.errors.DeadLetterProductionHandler;
import io.sessionizer.aggregator.errors.DeadLetters;
import io.sessionizer.aggregator.errors.RecordLimits;
import io.sessionizer.aggregator.errors.StreamThreadFailures;
import io.sessionizer.aggregator.http.AnnotationWriter;
import io.sessionizer.aggregator.http.AnnotationsApi;
import io.sessionizer.aggregator.http.ApiRateLimit;
import io.sessionizer.aggregator.http.ApiScopes;
import io.sessionizer.aggregator.http.Cursors;
import io.sessionizer.aggregator.http.PeerCheck;
import io.sessionizer.aggregator.http.ProblemStatusRenderer;
import io.sessionizer.aggregator.http.Problems;
import io.sessionizer.aggregator.http.SecurityHeaders;
import io.sessionizer.aggregator.http.SessionsApi;
import io.sessionizer.aggregator.http.WebUi;
import io.sessionizer.aggregator.query.SessionQueryService;
import io.sessionizer.aggregator.store.BoundedMemoryRocksDbConfig;
import io.sessionizer.aggregator.topology.SessionTopology;
import io.sessionizer.auth.ApiKeys;
import io.sessionizer.auth.PeerSignature;
import io.sessionizer.auth.TenantAuthentication;
import io.sessionizer.config.Config;
import io.sessionizer.config.RegistrySettings;
import io.sessionizer.health.OpsEndpoints;
import io.sessionizer.schemas.registry.SchemaRegistryClient;
import io.sessionizer.tls.ServerTls;
import io.sessionizer.tls.TlsSettings;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The running aggregator: the Kafka Streams topology and the HTTP server that queries its stores. */
public final class AggregatorApp implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AggregatorApp.class);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);
    /** The API's OpenAPI 3 document, written by hand beside the code and checked against it by AggregatorIT. */
    private static final String OPENAPI = "/openapi.json";

    private final Server server;
    private final ServerTls tls;
    private final ApiKeys apiKeys;
    private final AnnotationWriter annotations;
    private final KafkaStreams streams;
    private final PrometheusMeterRegistry registry;
    private final KafkaStreamsMetrics streamsMetrics;
    private final CompletableFuture<String> failed = new CompletableFuture<>();
    private volatile String failureCause = "Kafka Streams stopped (state ERROR)";

    private AggregatorApp(Server server, ServerTls tls, ApiKeys apiKeys, AnnotationWriter annotations,
            KafkaStreams streams, PrometheusMeterRegistry registry, KafkaStreamsMetrics streamsMetrics) {
        this.server = server;
        this.tls = tls;
        this.apiKeys = apiKeys;
        this.annotations = annotations;
        this.streams = streams;
        this.registry = registry;
        this.streamsMetrics = streamsMetrics;
    }

    /** Starts the HTTP server, then Kafka Streams; returns once both are started (state may still be restoring). */
    public static AggregatorApp start(Config config) {
        ApiKeys apiKeys = ApiKeys.fromConfig(config);
        Cursors cursors = Cursors.of(config.get(AggregatorSettings.API_CURSOR_SECRET),
                AggregatorSettings.API_CURSOR_SECRET.name());
        // The API, the UI and the ops endpoints serve TLS only when a certificate is configured.
        ServerTls tls = ServerTls.fromConfig(config);
        ClientFactory peerClients = tls.peerClientFactory(config.get(TlsSettings.PEER_CA_FILE));
        SchemaRegistryClient schemas = RegistrySettings.fromConfig(config);
        SessionTopology.registerSchemas(config, schemas);
        checkTopics(config);
        AnnotationWriter annotations = AnnotationWriter.create(streamsProperties(config, 0),
                config.get(AggregatorSettings.ANNOTATIONS_TOPIC),
                config.get(AggregatorSettings.ANNOTATIONS_PRODUCE_TIMEOUT), schemas,
                RecordLimits.fromConfig(config).maxValueBytes());
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        apiKeys.bindTo(registry);

        SessionQueryService queries = new SessionQueryService();
        PeerSignature peerSignature = cursors.peerSignature();
        ServerBuilder builder = tls.listen(Server.builder(), config.get(AggregatorSettings.HTTP_PORT))
                .annotatedService(new SessionsApi(queries, cursors, peerSignature, peerClients, tls.scheme()));
        SecurityHeaders.addTo(builder);
        builder.errorHandler(new ProblemStatusRenderer());
        new AnnotationsApi(annotations, config.get(AggregatorSettings.ANNOTATIONS_PRODUCE_TIMEOUT),
                config.get(AggregatorSettings.ANNOTATIONS_MAX_BODY), Clock.systemUTC()).addTo(builder);
        builder
                // The API answers only with a known key when keys are configured, GETs with the read scope and
                // annotations with the annotate scope; health, metrics, the OpenAPI document and the UI's static files
                // need none (the UI asks for a key when the API wants one).
                // Route decorators run last-added first: the rate limit, added before, runs after authentication.
                .decoratorUnder("/api/", ApiRateLimit.fromConfig(config, registry))
                .decoratorUnder("/api/", new TenantAuthentication(apiKeys, ApiScopes::of,
                        Problems.REJECTION))
                // Only another instance may ask for an answer from this instance's own stores. Added last, so that
                // it runs first: the decorators added before it see PeerCheck.fromPeer(ctx).
                .decoratorUnder("/api/", new PeerCheck(peerSignature))
                .service(OPENAPI, HttpFile.of(AggregatorApp.class.getClassLoader(), "openapi.json").asService())
                .service(WebUi.service());
        // Ready only when queries can be answered: not while restoring state or rebalancing.
        Server server = OpsEndpoints.addTo(builder, registry,
                () -> Problems.unavailable("State stores are not queryable yet (starting, restoring or rebalancing)"),
                queries::isReady).build();
        server.start().join();

        Properties props = streamsProperties(config, server.activeLocalPort());
        KafkaStreams streams = new KafkaStreams(SessionTopology.build(config, schemas), props);
        KafkaStreamsMetrics streamsMetrics = new KafkaStreamsMetrics(streams);
        streamsMetrics.bindTo(registry);
        AggregatorApp app = new AggregatorApp(server, tls, apiKeys, annotations, streams, registry, streamsMetrics);
        streams.setUncaughtExceptionHandler(new StreamThreadFailures(cause -> app.failureCause = cause));
        streams.setStateListener((now, before) -> {
            LOG.info("Kafka Streams state {} -> {}", before, now);
            if (now == KafkaStreams.State.ERROR) {
                app.failed.complete(app.failureCause);
            }
        });
        queries.attach(streams,
                HostInfo.buildFromEndpoint(props.getProperty(StreamsConfig.APPLICATION_SERVER_CONFIG)));
        streams.start();
        LOG.info("Aggregator API listening on port {}{}", server.activeLocalPort(), tls.enabled() ? " (https only)" : "");
        return app;
    }

    /**
     * Fails the start, naming the settings, when a topic the aggregator writes accepts smaller records or the logs or
     * annotations input is not co-partitioned with the spans input; creates those inputs when they are missing.
     */
    private static void checkTopics(Config config) {
        Properties props = streamsProperties(config, 0);
        String dlq = config.get(AggregatorSettings.DLQ_TOPIC);
        try (Admin admin = Admin.create(new StreamsConfig(props).getAdminConfigs("sessionizer-limits-check"))) {
            RecordLimits.fromConfig(config).checkTopics(admin, List.of(config.get(AggregatorSettings.SESSIONS_TOPIC),
                    config.get(AggregatorSettings.TURNS_TOPIC), config.get(AggregatorSettings.EVENTS_TOPIC), dlq),
                    config.get(AggregatorSettings.APPLICATION_ID) + "-", dlq);
            CoPartitionedTopics.prepare(admin, config.get(AggregatorSettings.SPANS_TOPIC),
                    CoPartitionedTopics.of(config));
        }
    }

    /** The Streams properties of an instance; tests use the very same. */
    public static Properties streamsProperties(Config config, int httpPort) {
        Properties props = new Properties();
        // The local stack's broker, unless kafka.bootstrap.servers / KAFKA_BOOTSTRAP_SERVERS say otherwise.
        props.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, "localhost:9092");
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, config.get(AggregatorSettings.APPLICATION_ID));
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, config.get(AggregatorSettings.PROCESSING_GUARANTEE));
        props.put(StreamsConfig.STATE_DIR_CONFIG, config.get(AggregatorSettings.STATE_DIR).toAbsolutePath().toString());
        props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, config.get(AggregatorSettings.STREAM_THREADS));
        props.put(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, config.get(AggregatorSettings.STANDBY_REPLICAS));
        // Poison records go to the dead-letter topic as received, with the error in headers (KIP-1034), and
        // processing carries on: one bad record must not stop every session.
        // Our handlers bound each dead letter so that it always fits (DeadLetters), which Kafka's own do not.
        props.put(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG, config.get(AggregatorSettings.DLQ_TOPIC));
        props.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG,
                DeadLetterDeserializationHandler.class.getName());
        props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterProcessingHandler.class.getName());
        props.put(StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterProductionHandler.class.getName());
        RecordLimits limits = RecordLimits.fromConfig(config);
        props.put(DeadLetters.MAX_RECORD_BYTES_CONFIG, Integer.toString(limits.maxRecordBytes()));
        // One record size everywhere (record.max-bytes): what the producer sends, and what the internal topics it
        // creates accept; RecordLimits checks the topics that exist already.
        props.put(StreamsConfig.producerPrefix(ProducerConfig.MAX_REQUEST_SIZE_CONFIG), limits.maxRecordBytes());
        props.put(StreamsConfig.topicPrefix(TopicConfig.MAX_MESSAGE_BYTES_CONFIG), limits.maxRecordBytes());
        // Turn texts and summaries are mostly text, repeated across changelog, repartition and output records: lz4
        // cuts the bytes written (and the disk the broker needs) several times for little CPU.
        props.put(StreamsConfig.producerPrefix(ProducerConfig.COMPRESSION_TYPE_CONFIG), "lz4");
        // Opt in now to the handler scope that becomes the default in Kafka 5.0. Streams still logs a warning about it
        // once at start: the StreamsBuilder's own default TopologyConfig does not carry this property.
        props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, true);
        // All stores share one bounded block cache and memtable budget instead of RocksDB's per-store defaults.
        props.put(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, BoundedMemoryRocksDbConfig.class.getName());
        props.put(BoundedMemoryRocksDbConfig.TOTAL_MEMORY_CONFIG,
                Long.toString(config.get(AggregatorSettings.ROCKSDB_MEMORY)));
        String server = config.get(AggregatorSettings.APPLICATION_SERVER);
        props.put(StreamsConfig.APPLICATION_SERVER_CONFIG, server.isBlank() ? "localhost:" + httpPort : server);
        props.putAll(config.kafkaProperties());
        return props;
    }

    public int httpPort() {
        return server.activeLocalPort();
    }

    /**
     * Completes with the cause, in one line, when Kafka Streams failed for good (state ERROR); the process should then
     * exit and be restarted.
     */
    public CompletableFuture<String> failed() {
        return failed;
    }

    @Override
    public void close() {
        server.stop().join();
        tls.close();
        apiKeys.close();
        annotations.close();
        // Leaving the group hands this instance's partitions to the others now, not after the session timeout.
        streams.close(CloseOptions.timeout(CLOSE_TIMEOUT)
                .withGroupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP));
        streamsMetrics.close();
        registry.close();
    }
}
