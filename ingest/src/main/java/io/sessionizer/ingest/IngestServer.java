package io.sessionizer.ingest;

import com.linecorp.armeria.common.CommonPools;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.GracefulShutdown;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.cors.CorsService;
import com.linecorp.armeria.server.cors.CorsServiceBuilder;
import com.linecorp.armeria.server.grpc.GrpcService;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.sessionizer.auth.ApiKeys;
import io.sessionizer.auth.Scope;
import io.sessionizer.auth.TenantAuthentication;
import io.sessionizer.config.Config;
import io.sessionizer.config.ConfigException;
import io.sessionizer.config.Setting;
import io.sessionizer.health.OpsEndpoints;
import io.sessionizer.ingest.grpc.GrpcRejections;
import io.sessionizer.ingest.grpc.OtlpGrpcService;
import io.sessionizer.ingest.http.OtlpHttpService;
import io.sessionizer.ingest.kafka.KafkaReadiness;
import io.sessionizer.ingest.kafka.ProducerSettings;
import io.sessionizer.ingest.kafka.TraceProducer;
import io.sessionizer.ingest.pipeline.IngestMetrics;
import io.sessionizer.ingest.pipeline.IngestPipeline;
import io.sessionizer.ingest.pipeline.Signal;
import io.sessionizer.ingest.pipeline.TenantLimits;
import io.sessionizer.ingest.pipeline.TraceSink;
import io.sessionizer.schemas.otlp.TraceFitter;
import io.sessionizer.tls.ServerTls;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.KafkaException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running ingest service: OTLP/HTTP with the operational endpoints on one port, OTLP/gRPC on another, and the
 * Kafka producer behind both. {@link #close()} stops accepting, answers exports not yet handed to Kafka 503 with
 * {@code Retry-After}, lets those waiting for Kafka finish (each within {@code producer.send-timeout}, the whole
 * drain bounded by {@code shutdown.timeout}), then flushes and closes the producer (at most the send timeout).
 */
public final class IngestServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(IngestServer.class);
    /** Past the send timeout, so that the pipeline's own retryable answer always comes before Armeria's. */
    private static final Duration REQUEST_TIMEOUT_MARGIN = Duration.ofSeconds(10);
    /** Room for gRPC framing around the largest message, which the deframer limits on its own. */
    private static final long GRPC_FRAMING_BYTES = 64 * 1024;
    private static final String TRACES_PATH = "/v1/traces";
    private static final String LOGS_PATH = "/v1/logs";

    private final Server httpServer;
    private final Server grpcServer;
    private final BooleanSupplier ready;
    private final List<AutoCloseable> resources;
    private final PrometheusMeterRegistry registry;
    private final IngestPipeline pipeline;
    private final AtomicBoolean closed = new AtomicBoolean();

    private IngestServer(Server httpServer, Server grpcServer, BooleanSupplier ready, List<AutoCloseable> resources,
            PrometheusMeterRegistry registry, IngestPipeline pipeline) {
        this.pipeline = pipeline;
        this.httpServer = httpServer;
        this.grpcServer = grpcServer;
        this.ready = ready;
        this.resources = resources;
        this.registry = registry;
    }

    /** Starts the producer, the readiness probe and both servers; returns once both ports are listening. */
    public static IngestServer start(Config config) {
        validate(config);
        Duration sendTimeout = config.get(IngestSettings.SEND_TIMEOUT);
        Duration shutdownTimeout = config.get(IngestSettings.SHUTDOWN_TIMEOUT);
        Map<String, Object> producerProps = ProducerSettings.producer(config.kafkaProperties(), sendTimeout,
                config.get(IngestSettings.RECORD_MAX_BYTES), config.get(IngestSettings.MAX_IN_FLIGHT_BYTES));
        KafkaProducer<byte[], byte[]> kafkaProducer;
        try {
            kafkaProducer = new KafkaProducer<>(producerProps);
        } catch (KafkaException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new ConfigException("Invalid Kafka producer properties: " + cause.getMessage());
        }
        TraceProducer producer = new TraceProducer(kafkaProducer, config.get(IngestSettings.SPANS_TOPIC),
                config.get(IngestSettings.LOGS_TOPIC));
        KafkaReadiness readiness;
        try {
            readiness = new KafkaReadiness(
                    ProducerSettings.admin(config.kafkaProperties(), config.get(IngestSettings.READINESS_TIMEOUT)),
                    config.get(IngestSettings.READINESS_INTERVAL), config.get(IngestSettings.READINESS_TIMEOUT));
        } catch (RuntimeException e) {
            producer.close(Duration.ZERO);
            throw e;
        }
        LOG.info("Kafka: bootstrap servers {}, spans topic {}, logs topic {}", producerProps.get("bootstrap.servers"),
                config.get(IngestSettings.SPANS_TOPIC), config.get(IngestSettings.LOGS_TOPIC));
        // Readiness first: its probe stops before the producer flushes. Past the send timeout every record has been
        // acknowledged or has expired (it is the delivery timeout), so waiting longer would only delay the exit.
        Duration closeTimeout = shutdownTimeout.compareTo(sendTimeout) < 0 ? shutdownTimeout : sendTimeout;
        return start(config, producer, readiness::isReady, readiness::lastProblem,
                List.of(readiness, () -> producer.close(closeTimeout)));
    }

    /** Starts the servers in front of any sink; tests use it to make Kafka slow or absent at will. */
    static IngestServer start(Config config, TraceSink sink, BooleanSupplier ready, Supplier<String> notReadyReason,
            List<AutoCloseable> resources) {
        validate(config);
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        IngestServer server = null;
        List<AutoCloseable> owned = new ArrayList<>(resources);
        try {
            // Closed with the server: it owns the timer that reloads the keys file.
            ApiKeys apiKeys = ApiKeys.fromConfig(config);
            owned.add(apiKeys);
            apiKeys.bindTo(registry);
            // Both ports serve TLS only when a certificate is configured; closed with the server (its reload timer).
            ServerTls tls = ServerTls.fromConfig(config);
            owned.add(tls);
            new JvmMemoryMetrics().bindTo(registry);
            new JvmThreadMetrics().bindTo(registry);
            new ProcessorMetrics().bindTo(registry);
            Gauge.builder("ingest.kafka.ready", ready, r -> r.getAsBoolean() ? 1 : 0)
                    .description("1 while the readiness probe reaches Kafka")
                    .register(registry);
            IngestMetrics metrics = new IngestMetrics(registry);
            Duration sendTimeout = config.get(IngestSettings.SEND_TIMEOUT);
            Duration retryAfter = config.get(IngestSettings.RETRY_AFTER);
            TenantLimits limits = TenantLimits.fromConfig(config);
            LOG.info("Limits per tenant: {}", limits);
            // A tenant refused for a full in-flight budget keeps its share until its client has retried.
            IngestPipeline pipeline = new IngestPipeline(sink, metrics, limits,
                    config.get(IngestSettings.MAX_IN_FLIGHT_BYTES), retryAfter.plus(sendTimeout), sendTimeout,
                    config.get(IngestSettings.RECORD_MAX_BYTES).intValue(), CommonPools.blockingTaskExecutor());
            GracefulShutdown shutdown = GracefulShutdown.builder()
                    // Armeria waits for in-flight requests, then for this long without a new one.
                    .quietPeriod(Duration.ofMillis(100))
                    .timeout(config.get(IngestSettings.SHUTDOWN_TIMEOUT))
                    .build();

            long maxRequestSize = config.get(IngestSettings.MAX_REQUEST_SIZE);
            ServerBuilder http = tls.listen(Server.builder(), config.get(IngestSettings.HTTP_PORT))
                    .maxRequestLength(maxRequestSize)
                    .requestTimeout(sendTimeout.plus(REQUEST_TIMEOUT_MARGIN))
                    .gracefulShutdown(shutdown);
            List<String> origins = config.get(IngestSettings.CORS_ALLOWED_ORIGINS);
            for (Map.Entry<String, Signal> endpoint : Map.of(TRACES_PATH, Signal.TRACES, LOGS_PATH, Signal.LOGS)
                    .entrySet()) {
                OtlpHttpService otlpHttp = new OtlpHttpService(endpoint.getValue(), pipeline, metrics, maxRequestSize,
                        retryAfter);
                TenantAuthentication httpAuth = new TenantAuthentication(apiKeys, Scope.INGEST,
                        otlpHttp);
                if (origins.isEmpty()) {
                    http.route().post(endpoint.getKey()).decorator(httpAuth).build(otlpHttp);
                } else {
                    // CORS outermost, so that a preflight request, which carries no key, is answered.
                    http.route().post(endpoint.getKey()).decorator(httpAuth).decorator(cors(origins).newDecorator())
                            .build(otlpHttp);
                }
            }
            // Not ready while the probe does not reach Kafka, saying why, and while the server shuts down.
            Server httpServer = OpsEndpoints.addTo(http, registry, () -> HttpResponse.of(
                    HttpStatus.SERVICE_UNAVAILABLE, MediaType.PLAIN_TEXT_UTF_8,
                    "not ready: " + (ready.getAsBoolean() ? "shutting down" : notReadyReason.get())),
                    ready::getAsBoolean).build();

            long maxMessageSize = config.get(IngestSettings.GRPC_MAX_MESSAGE_SIZE);
            GrpcRejections grpcRejections = new GrpcRejections(metrics);
            OtlpGrpcService otlpGrpc = new OtlpGrpcService(pipeline, retryAfter);
            Server grpcServer = tls.listen(Server.builder(), config.get(IngestSettings.GRPC_PORT))
                    .maxRequestLength(maxMessageSize + GRPC_FRAMING_BYTES)
                    .requestTimeout(sendTimeout.plus(REQUEST_TIMEOUT_MARGIN))
                    .gracefulShutdown(shutdown)
                    .service(GrpcService.builder()
                            .addService(otlpGrpc)
                            .addService(otlpGrpc.logs())
                            .maxRequestMessageLength((int) Math.min(Integer.MAX_VALUE, maxMessageSize))
                            .exceptionHandler(grpcRejections)
                            // export() hands records to the producer, which may block on missing metadata.
                            .useBlockingTaskExecutor(true)
                            .build())
                    .decorator(new TenantAuthentication(apiKeys, Scope.INGEST,
                            grpcRejections))
                    .build();
            server = new IngestServer(httpServer, grpcServer, ready, owned, registry, pipeline);
            CompletableFuture.allOf(httpServer.start(), grpcServer.start()).join();
            LOG.info("Listening: OTLP/HTTP and /healthz, /readyz, /metrics on port {}, OTLP/gRPC on port {}{}{}",
                    server.httpPort(), server.grpcPort(), tls.enabled() ? ", TLS only" : "",
                    apiKeys.enabled() ? ", API keys required" : "");
            return server;
        } catch (RuntimeException e) {
            if (server != null) {
                server.close();
            } else {
                closeAll(owned);
                registry.close();
            }
            throw e;
        }
    }

    /** Limits of zero would mean "unlimited" to Armeria and "give up at once" to Kafka: refuse them at start. */
    private static void validate(Config config) {
        atLeast(config, IngestSettings.MAX_REQUEST_SIZE, 1024);
        atLeast(config, IngestSettings.GRPC_MAX_MESSAGE_SIZE, 1024);
        atLeast(config, IngestSettings.MAX_IN_FLIGHT_BYTES, 1);
        atLeast(config, IngestSettings.RECORD_MAX_BYTES, TraceFitter.MIN_BUDGET);
        // One record must fit in the producer's buffer with room to spare; 1GiB is far past any broker default.
        atMost(config, IngestSettings.RECORD_MAX_BYTES, 1L << 30);
        for (Setting<Duration> setting : List.of(IngestSettings.SEND_TIMEOUT, IngestSettings.READINESS_INTERVAL,
                IngestSettings.READINESS_TIMEOUT)) {
            if (config.get(setting).toMillis() < 100) {
                throw new ConfigException(setting.name() + " must be at least 100ms, got " + config.get(setting));
            }
        }
    }

    private static void atLeast(Config config, Setting<Long> setting, long min) {
        if (config.get(setting) < min) {
            throw new ConfigException(setting.name() + " must be at least " + min + " bytes, got "
                    + config.get(setting));
        }
    }

    private static void atMost(Config config, Setting<Long> setting, long max) {
        if (config.get(setting) > max) {
            throw new ConfigException(setting.name() + " must be at most " + max + " bytes, got "
                    + config.get(setting));
        }
    }

    private static CorsServiceBuilder cors(List<String> origins) {
        CorsServiceBuilder builder = origins.contains("*") ? CorsService.builderForAnyOrigin()
                : CorsService.builder(origins);
        return builder.allowRequestMethods(HttpMethod.POST)
                .allowRequestHeaders(HttpHeaderNames.CONTENT_TYPE, HttpHeaderNames.CONTENT_ENCODING,
                        HttpHeaderNames.AUTHORIZATION)
                .exposeHeaders(HttpHeaderNames.RETRY_AFTER);
    }

    public int httpPort() {
        return httpServer.activeLocalPort();
    }

    public int grpcPort() {
        return grpcServer.activeLocalPort();
    }

    /** True while the background probe last reached Kafka. */
    public boolean isReady() {
        return ready.getAsBoolean();
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        LOG.info("Stopping: new exports answered 503, those in flight answered within the send timeout");
        // Requests already received but not yet handed to Kafka get a retryable answer at once instead of being
        // taken on; those waiting for Kafka are answered by their own deadline.
        pipeline.drain();
        CompletableFuture.allOf(httpServer.stop(), grpcServer.stop()).join();
        closeAll(resources);
        registry.close();
        LOG.info("Stopped");
    }

    private static void closeAll(List<AutoCloseable> resources) {
        for (AutoCloseable resource : resources) {
            try {
                resource.close();
            } catch (Exception e) {
                LOG.warn("Failed to close {}", resource, e);
            }
        }
    }
}
