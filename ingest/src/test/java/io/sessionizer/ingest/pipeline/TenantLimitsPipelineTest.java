package io.sessionizer.ingest.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.sessionizer.ingest.FakeSink;
import io.sessionizer.testing.ManualClock;
import io.sessionizer.testing.OtlpLogs;
import io.sessionizer.testing.OtlpTraces;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The pipeline with rate limits and a shared in-flight budget: what is refused, how, and how it is counted. */
class TenantLimitsPipelineTest {
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final FakeSink sink = new FakeSink();
    private final ManualClock clock = new ManualClock();
    /** 10 spans and 1000 bytes per second for everyone, 100 spans for acme; 2000 bytes in flight. */
    private final IngestPipeline pipeline = new IngestPipeline(sink, new IngestMetrics(registry),
            new TenantLimits(new TenantLimits.Rates(10, 1000), Map.of("acme", new TenantLimits.Rates(100, -1)),
                    Duration.ofSeconds(1), clock),
            2000, Duration.ofSeconds(10), Duration.ofSeconds(5), 960 << 10, Runnable::run);
    /** Three traces of two spans each. */
    private final ExportTraceServiceRequest sixSpans = OtlpTraces.request(3, 2);

    private double refused(String tenant, String reason) {
        Counter counter = registry.find("ingest.tenant.refused").tag("tenant", tenant).tag("reason", reason).counter();
        return counter == null ? 0 : counter.count();
    }

    private double tenantCounter(String name, String tenant) {
        Counter counter = registry.find(name).tag("tenant", tenant).counter();
        return counter == null ? 0 : counter.count();
    }

    /** As OTLP/HTTP does: the bytes as received taken first, before the decoded request is exported. */
    private CompletableFuture<ExportResult> exportHttp(ExportTraceServiceRequest request, long received, long bytes,
            String tenant) {
        return pipeline.acquireBytesRate(Signal.TRACES, received, tenant, IngestMetrics.HTTP)
                .<CompletableFuture<ExportResult>>map(CompletableFuture::failedFuture)
                .orElseGet(() -> pipeline.export(request, received, bytes, tenant, IngestMetrics.HTTP));
    }

    private static IngestException refusal(CompletableFuture<ExportResult> result) {
        assertThat(result).isCompletedExceptionally();
        return (IngestException) result.handle((ok, error) -> error).join();
    }

    @Test
    void shouldRefuseATenantOverItsSpansRateWithItsOwnDelayAndSendNothingOfIt() {
        assertThat(pipeline.export(sixSpans, 100, "globex", IngestMetrics.HTTP)).isCompleted();

        IngestException e = refusal(pipeline.export(sixSpans, 100, "globex", IngestMetrics.HTTP));

        assertThat(e.reason()).isEqualTo(RejectReason.SPANS_RATE);
        assertThat(e.reason().retryable()).isTrue();
        // 2 spans short at 10 per second.
        assertThat(e.retryAfter()).contains(Duration.ofSeconds(1));
        assertThat(e.getMessage()).startsWith("Tenant 'globex' is over its limit of 10 spans per second");
        assertThat(sink.sent()).hasSize(1);
        assertThat(refused("globex", "spans_rate")).isEqualTo(1);
        assertThat(registry.find("ingest.requests").tag("outcome", "rejected").tag("reason", "spans_rate")
                .counter().count()).isEqualTo(1);
        assertThat(tenantCounter("ingest.tenant.spans", "globex")).isEqualTo(6);
        assertThat(tenantCounter("ingest.tenant.bytes", "globex")).isEqualTo(100);
    }

    @Test
    void shouldKeepOtherTenantsToTheirOwnLimits() {
        assertThat(pipeline.export(sixSpans, 100, "globex", IngestMetrics.HTTP)).isCompleted();
        assertThat(refusal(pipeline.export(sixSpans, 100, "globex", IngestMetrics.HTTP)).reason())
                .isEqualTo(RejectReason.SPANS_RATE);

        for (int i = 0; i < 5; i++) {
            assertThat(pipeline.export(sixSpans, 100, "acme", IngestMetrics.GRPC)).as("acme's override")
                    .isCompleted();
        }
        assertThat(pipeline.export(sixSpans, 100, "initech", IngestMetrics.GRPC)).isCompleted();
        assertThat(sink.sent()).extracting(FakeSink.Sent::tenant).containsOnly("globex", "acme", "initech");
        assertThat(refused("acme", "spans_rate")).isZero();
    }

    @Test
    void shouldCountTheBytesAsReceivedAgainstTheBytesRate() {
        assertThat(exportHttp(sixSpans, 600, 5000, "globex")).isCompleted();

        IngestException e = refusal(exportHttp(sixSpans, 600, 5000, "globex"));

        assertThat(e.reason()).isEqualTo(RejectReason.BYTES_RATE);
        assertThat(refused("globex", "bytes_rate")).isEqualTo(1);
        assertThat(tenantCounter("ingest.tenant.bytes", "globex")).isEqualTo(600);
        clock.advance(Duration.ofMillis(600));
        assertThat(exportHttp(OtlpTraces.request(1, 1), 600, 5000, "globex")).isCompleted();
    }

    @Test
    void shouldTakeTheBytesOnceBeforeTheRequestIsDecodedAndRefuseOverThemWithoutCharging() {
        assertThat(pipeline.acquireBytesRate(Signal.TRACES, 600, "globex", IngestMetrics.HTTP)).isEmpty();
        assertThat(pipeline.export(sixSpans, 600, 600, "globex", IngestMetrics.HTTP)).isCompleted();

        IngestException e = pipeline.acquireBytesRate(Signal.TRACES, 600, "globex", IngestMetrics.HTTP).orElseThrow();

        assertThat(e.reason()).isEqualTo(RejectReason.BYTES_RATE);
        assertThat(e.retryAfter()).contains(Duration.ofSeconds(1));
        assertThat(refused("globex", "bytes_rate")).isEqualTo(1);
        assertThat(registry.find("ingest.requests").tag("outcome", "rejected").tag("reason", "bytes_rate")
                .counter().count()).isEqualTo(1);
        // The export took no bytes again and the refusal took nothing: exactly 400 bytes are left.
        assertThat(pipeline.acquireBytesRate(Signal.TRACES, 401, "globex", IngestMetrics.HTTP)).isPresent();
        assertThat(exportHttp(OtlpTraces.request(1, 1), 400, 400, "globex")).isCompleted();
        assertThat(sink.sent()).hasSize(2);
    }

    @Test
    void shouldGiveBackTheBytesOfARequestRefusedForItsSpans() {
        assertThat(exportHttp(sixSpans, 100, 100, "globex")).isCompleted();

        assertThat(refusal(exportHttp(sixSpans, 100, 100, "globex")).reason()).isEqualTo(RejectReason.SPANS_RATE);

        // 900 of globex's 1000 bytes are left: the refused request's 100 went back.
        assertThat(pipeline.acquireBytesRate(Signal.TRACES, 900, "globex", IngestMetrics.HTTP)).isEmpty();
        assertThat(sink.sent()).hasSize(1);
    }

    @Test
    void shouldHoldLogsToTheBytesRateOnly() {
        ExportLogsServiceRequest logs = OtlpLogs.request(OtlpLogs.logRecord(OtlpTraces.traceId(1), "hello"));
        for (int i = 0; i < 20; i++) {
            assertThat(pipeline.exportLogs(logs, 50, "globex", IngestMetrics.HTTP)).isCompleted();
        }

        assertThat(refusal(pipeline.exportLogs(logs, 50, "globex", IngestMetrics.HTTP)).reason())
                .isEqualTo(RejectReason.BYTES_RATE);
        assertThat(tenantCounter("ingest.tenant.log.records", "globex")).isEqualTo(20);
    }

    @Test
    void shouldHoldATenantToItsShareOfTheInFlightBytesAndGiveBackItsTokens() {
        sink.hang();
        assertThat(exportHttp(OtlpTraces.request(1, 1), 500, 1500, "acme")).isNotDone();
        assertThat(exportHttp(OtlpTraces.request(1, 1), 100, 100, "globex")).isNotDone();

        IngestException e = refusal(exportHttp(OtlpTraces.request(1, 1), 100, 100, "acme"));

        assertThat(e.reason()).isEqualTo(RejectReason.OVERLOADED);
        assertThat(e.retryAfter()).as("the configured retry-after").isEmpty();
        assertThat(e.getMessage()).isEqualTo("Tenant 'acme' holds its share of the data waiting for Kafka (1000 of "
                + "2000 bytes); retry later");
        assertThat(refused("acme", "in_flight")).isEqualTo(1);
        assertThat(sink.sent()).hasSize(2);
        Gauge gauge = registry.find("ingest.tenant.inflight.bytes").tag("tenant", "acme").gauge();
        assertThat(gauge.value()).isEqualTo(1500);

        sink.sent().get(0).future().complete(null);

        assertThat(gauge.value()).isZero();
        // The refused request's 100 bytes went back into acme's bucket: 500 of 1000 are left.
        sink.succeed();
        assertThat(exportHttp(OtlpTraces.request(1, 1), 500, 500, "acme")).isCompleted();
    }
}
