package io.sessionizer.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.sessionizer.config.Config;
import io.sessionizer.testing.OtlpTraces;
import io.sessionizer.testing.TlsTestFiles;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** OTLP/HTTP and OTLP/gRPC over TLS, as the OpenTelemetry SDK's exporters send them, with and without client certs. */
class IngestTlsTest {
    @TempDir
    static Path dir;
    private static TlsTestFiles pki;
    private static TlsTestFiles.Issued server;
    private static TlsTestFiles.Issued client;
    private static List<SpanData> spans;

    @BeforeAll
    static void prepare() {
        pki = TlsTestFiles.create(dir, "ingest-test");
        server = pki.server("ingest");
        client = pki.client("exporter");
        spans = spans();
    }

    private static IngestServer start(FakeSink sink, String... settings) {
        Map<String, String> overrides = new HashMap<>(Map.of("http.port", "0", "grpc.port", "0",
                "tls.cert-file", server.certFile().toString(), "tls.key-file", server.keyFile().toString()));
        for (int i = 0; i < settings.length; i += 2) {
            overrides.put(settings[i], settings[i + 1]);
        }
        return IngestServer.start(Config.load(IngestSettings.all(), Map.of(), overrides), sink, () -> true,
                () -> "ready", List.of());
    }

    @Test
    void shouldTakeSpansOverHttpsAndGrpcWithTlsAndNotInPlainText() throws Exception {
        FakeSink sink = new FakeSink();
        try (IngestServer ingest = start(sink)) {
            byte[] ca = Files.readAllBytes(pki.caFile());
            assertThat(export(OtlpHttpSpanExporter.builder()
                    .setEndpoint("https://localhost:" + ingest.httpPort() + "/v1/traces")
                    .setTrustedCertificates(ca).build())).isTrue();
            assertThat(export(OtlpGrpcSpanExporter.builder()
                    .setEndpoint("https://localhost:" + ingest.grpcPort())
                    .setTrustedCertificates(ca).build())).isTrue();
            assertThat(sink.sent()).hasSize(2);

            // The ports serve TLS only: a plain-text export is not taken, over either protocol.
            assertThatThrownBy(() -> HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create("http://localhost:" + ingest.httpPort() + "/v1/traces"))
                            .header("Content-Type", "application/x-protobuf")
                            .POST(HttpRequest.BodyPublishers.ofByteArray(OtlpTraces.request(1, 1).toByteArray()))
                            .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()))
                    .isInstanceOf(IOException.class);
            assertThat(export(OtlpGrpcSpanExporter.builder()
                    .setEndpoint("http://localhost:" + ingest.grpcPort()).build())).isFalse();
            assertThat(sink.sent()).hasSize(2);
        }
    }

    @Test
    void shouldRefuseAnExporterWithoutAClientCertificateWhenRequired() throws Exception {
        FakeSink sink = new FakeSink();
        try (IngestServer ingest = start(sink, "tls.client-ca-file", pki.caFile().toString(),
                "tls.client-auth", "require")) {
            byte[] ca = Files.readAllBytes(pki.caFile());
            byte[] key = Files.readAllBytes(client.keyFile());
            byte[] chain = Files.readAllBytes(client.certFile());
            assertThat(export(OtlpHttpSpanExporter.builder()
                    .setEndpoint("https://localhost:" + ingest.httpPort() + "/v1/traces")
                    .setTrustedCertificates(ca).build())).isFalse();
            assertThat(export(OtlpGrpcSpanExporter.builder()
                    .setEndpoint("https://localhost:" + ingest.grpcPort())
                    .setTrustedCertificates(ca).build())).isFalse();
            assertThat(sink.sent()).isEmpty();

            assertThat(export(OtlpHttpSpanExporter.builder()
                    .setEndpoint("https://localhost:" + ingest.httpPort() + "/v1/traces")
                    .setTrustedCertificates(ca).setClientTls(key, chain).build())).isTrue();
            assertThat(export(OtlpGrpcSpanExporter.builder()
                    .setEndpoint("https://localhost:" + ingest.grpcPort())
                    .setTrustedCertificates(ca).setClientTls(key, chain).build())).isTrue();
            assertThat(sink.sent()).hasSize(2);
        }
    }

    /** True when the exporter delivered the spans; it retries nothing, so a refused handshake is a plain failure. */
    private static boolean export(SpanExporter exporter) {
        try {
            CompletableResultCode result = exporter.export(spans).join(20, TimeUnit.SECONDS);
            return result.isSuccess();
        } finally {
            exporter.shutdown().join(10, TimeUnit.SECONDS);
        }
    }

    private static List<SpanData> spans() {
        Collection<SpanData> ended = new CopyOnWriteArrayList<>();
        SpanExporter capture = new SpanExporter() {
            @Override
            public CompletableResultCode export(Collection<SpanData> batch) {
                ended.addAll(batch);
                return CompletableResultCode.ofSuccess();
            }

            @Override
            public CompletableResultCode flush() {
                return CompletableResultCode.ofSuccess();
            }

            @Override
            public CompletableResultCode shutdown() {
                return CompletableResultCode.ofSuccess();
            }
        };
        try (SdkTracerProvider provider = SdkTracerProvider.builder()
                .addSpanProcessor(SimpleSpanProcessor.create(capture)).build()) {
            Tracer tracer = provider.get("sessionizer-test");
            tracer.spanBuilder("chat turn").setAttribute("session.id", "tls-session").startSpan().end();
        }
        return List.copyOf(ended);
    }
}
