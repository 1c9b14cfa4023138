package io.sessionizer.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.sessionizer.aggregator.AggregatorApp;
import io.sessionizer.aggregator.AggregatorFixture;
import io.sessionizer.auth.ApiKeys;
import io.sessionizer.config.Config;
import io.sessionizer.ingest.IngestServer;
import io.sessionizer.ingest.IngestSettings;
import io.sessionizer.testing.KafkaTestCluster;
import io.sessionizer.testing.LogCapture;
import io.sessionizer.testing.SecureKafkaTestCluster;
import io.sessionizer.testing.SecureKafkaTestCluster.Mechanism;
import io.sessionizer.testing.SessionsApiClient;
import io.sessionizer.testing.TestCertificates;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.logging.log4j.Level;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole path secured: ingest and aggregator talk to the broker over SASL_SSL only (the ingest with SCRAM-SHA-512,
 * the aggregator with PLAIN, so both mechanisms carry real traffic), serve TLS on their ports (certificates of the
 * test CA), take spans over OTLP/HTTPS and OTLP/gRPC with TLS from the OpenTelemetry SDK's exporters, and answer the
 * API over HTTPS to a key with the read scope (a key with only the ingest scope is refused, and the other way round);
 * a downstream consumer reads the output topic over SASL_SSL. The last test checks that nothing the run logged, from
 * the broker's and the services' start to their stop, holds an API key or its hash, a SASL password or a line of the
 * private key.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SecureStackIT {
    private static final int PARTITIONS = 3;
    private static final String TENANT = "acme";
    private static final AttributeKey<String> SESSION_ID = AttributeKey.stringKey("session.id");
    private static final AttributeKey<String> INPUT = AttributeKey.stringKey("input.value");

    private final String ingestKey = ApiKeys.newKey(new SecureRandom());
    private final String readKey = ApiKeys.newKey(new SecureRandom());
    private final List<SdkTracerProvider> tracing = new ArrayList<>();

    private LogCapture logs;
    private SecureKafkaTestCluster kafka;
    private TestCertificates certificates;
    private IngestServer ingest;
    private AggregatorApp aggregator;
    private String sessionsTopic;
    private SessionsApiClient api;

    @BeforeAll
    void startSecureStack(@TempDir Path stateDir) {
        // Before the broker and the services start, so that their configuration dumps are checked too.
        logs = LogCapture.start(Map.of(
                "io.sessionizer", Level.DEBUG,
                "org.apache.kafka", Level.INFO,
                "kafka", Level.INFO,
                "com.linecorp.armeria", Level.INFO));
        kafka = SecureKafkaTestCluster.shared();
        certificates = kafka.certificates();

        String spansTopic = KafkaTestCluster.uniqueName("spans");
        // The logs and annotations topics too: the aggregator's own check would create them over SASL_SSL as well,
        // but the ingest writes the logs topic first.
        kafka.createTopics(PARTITIONS, spansTopic, spansTopic + ".logs", spansTopic + ".annotations");

        Map<String, String> shared = new HashMap<>();
        // The read key stored as its hash (the recommended form), the ingest key in plaintext (still accepted, with a
        // warning that must not show it).
        shared.put("auth.api-keys", ingestKey + "=" + TENANT + " ingest," + ApiKeys.hash(readKey) + "=" + TENANT
                + " read");
        shared.put("tls.cert-file", certificates.server().certFile().toString());
        shared.put("tls.key-file", certificates.server().keyFile().toString());

        Map<String, String> ingestSettings = new HashMap<>(shared);
        ingestSettings.putAll(kafka.serviceSettings(Mechanism.SCRAM_SHA_512));
        ingestSettings.putAll(Map.of(
                "http.port", "0",
                "grpc.port", "0",
                "topic.spans", spansTopic,
                "topic.logs", spansTopic + ".logs"));
        ingest = IngestServer.start(Config.load(IngestSettings.all(), Map.of(), ingestSettings));

        Map<String, String> aggregatorSettings = new HashMap<>(AggregatorFixture.settings(kafka, stateDir, spansTopic));
        aggregatorSettings.putAll(shared);
        aggregatorSettings.putAll(kafka.serviceSettings(Mechanism.PLAIN));
        sessionsTopic = aggregatorSettings.get("topic.sessions");
        aggregator = AggregatorFixture.start(aggregatorSettings);
        api = SessionsApiClient.of(url(aggregator.httpPort(), ""))
                .withSslContext(certificates.clientSslContext());
    }

    @AfterAll
    void stopSecureStack() {
        stopServices();
        if (logs != null) {
            logs.close();
        }
    }

    @Test
    @Order(1)
    void shouldCarrySpansFromTlsExportersOverSaslSslToTheHttpsApiAndTheOutputTopic() {
        send(OtlpHttpSpanExporter.builder()
                .setEndpoint(url(ingest.httpPort(), "/v1/traces"))
                .setTrustedCertificates(caPem())
                .addHeader("Authorization", "Bearer " + ingestKey)
                .build(), "https-chat", "asked over OTLP/HTTPS");
        send(OtlpGrpcSpanExporter.builder()
                .setEndpoint(url(ingest.grpcPort(), ""))
                .setTrustedCertificates(caPem())
                .addHeader("Authorization", "Bearer " + ingestKey)
                .build(), "grpc-chat", "asked over OTLP/gRPC with TLS");

        SessionsApiClient reader = api.withApiKey(readKey);
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(300)).untilAsserted(() ->
                assertThat(ids(reader.json("/api/v1/sessions"))).containsExactlyInAnyOrder("https-chat", "grpc-chat"));
        assertThat(reader.json("/api/v1/sessions/grpc-chat").at("/first_input/value").asText())
                .isEqualTo("asked over OTLP/gRPC with TLS");
        assertThat(reader.json("/api/v1/sessions/https-chat").at("/first_input/value").asText())
                .isEqualTo("asked over OTLP/HTTPS");

        // A downstream consumer of the output topic, over SASL_SSL with SCRAM-SHA-512.
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            Set<String> keys = new HashSet<>();
            kafka.consume(Mechanism.SCRAM_SHA_512, sessionsTopic, 2, Duration.ofSeconds(10))
                    .forEach(r -> keys.add(new String(r.key(), StandardCharsets.UTF_8)));
            assertThat(keys).contains(TENANT + "/https-chat", TENANT + "/grpc-chat");
        });
    }

    @Test
    @Order(2)
    void shouldRefuseAnUnknownKeyAKeyOutsideItsScopeAndPlainHttp() {
        SessionsApiClient.Response unknown = api.withApiKey("not-" + readKey).get("/api/v1/sessions");
        assertThat(unknown.statusCode()).isEqualTo(401);
        assertThat(api.get("/api/v1/sessions").statusCode()).isEqualTo(401);
        // The key a browser app ships to export spans cannot read them.
        SessionsApiClient.Response ingestOnly = api.withApiKey(ingestKey).get("/api/v1/sessions");
        assertThat(ingestOnly.statusCode()).isEqualTo(403);
        assertThat(ingestOnly.header("content-type")).contains("application/problem+json");
        // Nor can the read key send spans.
        assertThat(export(readKey)).as("spans sent with the read key accepted").isFalse();

        // The port speaks TLS only: a plaintext request gets no answer.
        SessionsApiClient plain = SessionsApiClient.of("http://localhost:" + aggregator.httpPort())
                .withApiKey(readKey).withTimeout(Duration.ofSeconds(10));
        assertThatThrownBy(() -> plain.get("/api/v1/sessions")).isInstanceOf(UncheckedIOException.class);
    }

    /**
     * Also in SecureKafkaTestClusterIT; kept here because @Order(4) checks the log of a refused SASL login: the broker
     * and the client log the refusal, and the wrong password holds the real one, so a line printing it would be seen.
     */
    @Test
    @Order(3)
    void shouldRefuseAKafkaClientWithAWrongPassword() {
        Map<String, Object> props = new HashMap<>(kafka.clientProperties(Mechanism.PLAIN,
                SecureKafkaTestCluster.PLAIN_USER, "wrong-" + kafka.password(Mechanism.PLAIN)));
        try (Admin admin = Admin.create(props)) {
            assertThatThrownBy(() -> admin.describeCluster().nodes().get(30, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(SaslAuthenticationException.class);
        }
    }

    /** Last: what the whole run logged, including the services' stop, which this test performs. */
    @Test
    @Order(4)
    void shouldLogNoKeyPasswordOrPrivateKey() {
        // The refusals are where a careless log line would print what it refused.
        assertThat(export(readKey + "-revoked")).as("spans sent with an unknown key accepted").isFalse();
        stopServices();

        String logged = logs.text();
        // The capture saw the run: the services' start and the Kafka clients' configuration dumps.
        assertThat(logged).contains("io.sessionizer").contains("sasl.jaas.config = [hidden]");

        // The keys, and their hashes: a hash of a whole key is what the keys file stores, so no log shows it either.
        List<String> secrets = new ArrayList<>(List.of(ingestKey, readKey, hex(ingestKey), hex(readKey)));
        secrets.addAll(kafka.passwords());
        // Each base64 line of the key (the last one may be short, but is still 20-odd characters of key material).
        secrets.addAll(certificates.server().privateKeyLines());
        for (String secret : secrets) {
            assertThat(logged).as("the run's log holds a secret").doesNotContain(secret);
        }
        assertThat(logged).doesNotContain("PRIVATE KEY-----");
    }

    /** Sends one span through {@code exporter} and waits until the ingest accepted it. */
    private void send(SpanExporter exporter, String sessionId, String input) {
        SdkTracerProvider provider = SdkTracerProvider.builder()
                .addSpanProcessor(SimpleSpanProcessor.create(exporter))
                .build();
        tracing.add(provider);
        Span span = provider.get("secure-stack-it").spanBuilder("chat")
                .setAttribute(SESSION_ID, sessionId)
                .setAttribute(INPUT, input)
                .startSpan();
        span.end();
        assertThat(provider.forceFlush().join(10, TimeUnit.SECONDS).isSuccess()).as("accepted by the ingest").isTrue();
    }

    /** Whether the ingest accepts a span sent over OTLP/HTTP with {@code key}. */
    private boolean export(String key) {
        SdkTracerProvider provider = SdkTracerProvider.builder()
                .addSpanProcessor(SimpleSpanProcessor.create(OtlpHttpSpanExporter.builder()
                        .setEndpoint(url(ingest.httpPort(), "/v1/traces"))
                        .setTrustedCertificates(caPem())
                        .addHeader("Authorization", "Bearer " + key)
                        .build()))
                .build();
        try {
            provider.get("secure-stack-it").spanBuilder("refused").startSpan().end();
            return provider.forceFlush().join(10, TimeUnit.SECONDS).isSuccess();
        } finally {
            provider.shutdown().join(10, TimeUnit.SECONDS);
        }
    }

    private void stopServices() {
        tracing.forEach(t -> t.shutdown().join(10, TimeUnit.SECONDS));
        tracing.clear();
        if (aggregator != null) {
            aggregator.close();
            aggregator = null;
        }
        if (ingest != null) {
            ingest.close();
            ingest = null;
        }
    }

    private static String url(int port, String path) {
        return "https://localhost:" + port + path;
    }

    private byte[] caPem() {
        try {
            return Files.readAllBytes(certificates.caFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> ids(JsonNode page) {
        List<String> ids = new ArrayList<>();
        page.get("sessions").forEach(s -> ids.add(s.get("session_id").asText()));
        return ids;
    }

    /** The hex digest of a key alone, without ApiKeys.hash's {@code sha256:}: a log may show it in any form. */
    private static String hex(String key) {
        String hash = ApiKeys.hash(key);
        return hash.substring(hash.indexOf(':') + 1);
    }
}
