package io.sessionizer.ingest;

import static io.sessionizer.ingest.HttpPoster.PROTOBUF;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.rpc.Status;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.sessionizer.config.Config;
import io.sessionizer.testing.OtlpTraces;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The in-flight budget shared between tenants, over OTLP/HTTP with a sink that waits: the tenant that holds most of
 * it is answered 429 while another tenant's requests are still taken on.
 */
class FairShareServerTest {
    private final FakeSink sink = new FakeSink();
    private IngestServer server;

    @AfterEach
    void stop() {
        sink.reset();
        server.close();
    }

    @Test
    void shouldRefuseTheTenantOverItsShareAndTakeAnotherTenantsRequests() throws Exception {
        ExportTraceServiceRequest large = OtlpTraces.request(20, 5);
        ExportTraceServiceRequest small = OtlpTraces.request(1, 1);
        long budget = large.getSerializedSize() + 3L * small.getSerializedSize();
        server = IngestServer.start(Config.load(IngestSettings.all(), Map.of(), Map.of("http.port", "0",
                "grpc.port", "0", "auth.api-keys", "k1=alpha,k2=beta", "producer.max-in-flight-bytes",
                Long.toString(budget), "retry-after", "3s")), sink, () -> true, () -> "ready", List.of());
        HttpPoster http = new HttpPoster(server.httpPort());
        sink.hang();

        // Alone, alpha may take most of the budget; beta still fits beside it.
        CompletableFuture<HttpResponse<byte[]>> alphaLarge = http.postAsync(PROTOBUF, large.toByteArray(),
                "Authorization", "Bearer k1");
        await().until(() -> sink.sent().size() == 1);
        CompletableFuture<HttpResponse<byte[]>> betaFirst = http.postAsync(PROTOBUF, small.toByteArray(),
                "Authorization", "Bearer k2");
        await().until(() -> sink.sent().size() == 2);

        // Two tenants now: alpha is over its half, beta well within it.
        HttpResponse<byte[]> alphaMore = http.post(PROTOBUF, small.toByteArray(), "Authorization", "Bearer k1");
        CompletableFuture<HttpResponse<byte[]>> betaMore = http.postAsync(PROTOBUF, small.toByteArray(),
                "Authorization", "Bearer k2");
        await().until(() -> sink.sent().size() == 3);

        assertThat(alphaMore.statusCode()).isEqualTo(429);
        assertThat(alphaMore.headers().firstValue("retry-after")).hasValue("3");
        assertThat(Status.parseFrom(alphaMore.body()).getMessage())
                .isEqualTo("Tenant 'alpha' holds its share of the data waiting for Kafka (" + budget / 2 + " of "
                        + budget + " bytes); retry later");
        assertThat(sink.sent()).extracting(FakeSink.Sent::tenant).containsExactly("alpha", "beta", "beta");
        sink.sent().forEach(sent -> sent.future().complete(null));
        for (CompletableFuture<HttpResponse<byte[]>> answer : List.of(alphaLarge, betaFirst, betaMore)) {
            assertThat(answer.get().statusCode()).isEqualTo(200);
        }
        assertThat(http.get("/metrics").body())
                .contains("ingest_tenant_refused_total{reason=\"in_flight\",tenant=\"alpha\"} 1.0")
                .doesNotContain("ingest_tenant_refused_total{reason=\"in_flight\",tenant=\"beta\"}");
    }
}
