package io.sessionizer.ingest.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.sessionizer.ingest.FakeSink;
import io.sessionizer.testing.OtlpLogs;
import io.sessionizer.testing.OtlpTraces;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

class IngestPipelineTest {
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final FakeSink sink = new FakeSink();
    private final IngestPipeline pipeline =
            new IngestPipeline(sink, new IngestMetrics(registry), TenantLimits.none(), 1000,
                    Duration.ofSeconds(10), Duration.ofMillis(300), 960 << 10, Runnable::run);
    private final ExportTraceServiceRequest request = OtlpTraces.request(3, 2);

    private double counter(String name, String outcome, String reason) {
        var counter = registry.find(name).tag("outcome", outcome).tag("reason", reason).counter();
        return counter == null ? 0 : counter.count();
    }

    @Test
    void shouldSucceedOnlyAfterTheSinkAcknowledgedEveryRecord() {
        sink.hang();

        CompletableFuture<ExportResult> result = pipeline.export(request, 100, "acme", IngestMetrics.HTTP);

        assertThat(result).isNotDone();
        assertThat(sink.sent()).singleElement().satisfies(s -> {
            assertThat(s.batches()).hasSize(3);
            assertThat(s.tenant()).isEqualTo("acme");
        });
        sink.sent().get(0).future().complete(null);
        assertThat(result).isCompletedWithValue(new ExportResult(6, 0, null));
        assertThat(counter("ingest.spans", "accepted", "none")).isEqualTo(6);
        assertThat(counter("ingest.bytes", "accepted", "none")).isEqualTo(100);
        assertThat(pipeline.inFlightBytes()).isZero();
    }

    @Test
    void shouldFailRetryablyWhenKafkaFails() {
        sink.fail(new IllegalStateException("broker gone"));

        CompletableFuture<ExportResult> result = pipeline.export(request, 100, "default", IngestMetrics.HTTP);

        assertThatThrownBy(result::get).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOfSatisfying(IngestException.class,
                        e -> assertThat(e.reason()).isEqualTo(RejectReason.KAFKA_UNAVAILABLE))
                .hasMessage("Kafka did not store the spans (IllegalStateException: broker gone); retry later");
        assertThat(counter("ingest.requests", "rejected", "kafka_unavailable")).isEqualTo(1);
    }

    @Test
    void shouldFailRetryablyWithinTheSendTimeoutButKeepTheBytesUntilKafkaAnswers() {
        sink.hang();

        CompletableFuture<ExportResult> result = pipeline.export(request, 100, "default", IngestMetrics.HTTP);

        await().atMost(Duration.ofSeconds(5)).until(result::isDone);
        assertThatThrownBy(result::get).cause().isInstanceOf(IngestException.class)
                .hasMessage("Kafka did not acknowledge the spans within 300 ms; retry later");
        assertThat(pipeline.inFlightBytes()).isEqualTo(100);
        sink.sent().get(0).future().completeExceptionally(new IllegalStateException("expired"));
        assertThat(pipeline.inFlightBytes()).isZero();
    }

    @Test
    void shouldRefuseRequestsBeyondTheInFlightLimitUntilKafkaCatchesUp() {
        sink.hang();
        CompletableFuture<ExportResult> first = pipeline.export(request, 600, "default", IngestMetrics.GRPC);

        CompletableFuture<ExportResult> second = pipeline.export(request, 600, "default", IngestMetrics.GRPC);

        assertThatThrownBy(second::get).cause().isInstanceOfSatisfying(IngestException.class,
                e -> assertThat(e.reason()).isEqualTo(RejectReason.OVERLOADED))
                .hasMessage("Too much data waiting for Kafka (limit 1000 bytes); retry later");
        assertThat(sink.sent()).hasSize(1);
        sink.sent().get(0).future().complete(null);
        assertThat(first).isCompleted();
        sink.succeed();
        assertThat(pipeline.export(request, 600, "default", IngestMetrics.GRPC)).isCompleted();
    }

    @Test
    void shouldLetOneOversizedRequestThroughWhenNothingElseIsInFlight() {
        assertThat(pipeline.export(request, 5000, "default", IngestMetrics.HTTP))
                .isCompletedWithValue(new ExportResult(6, 0, null));
    }

    @Test
    void shouldStoreValidSpansAndReportTheInvalidOnesAsPartialSuccess() {
        ExportTraceServiceRequest mixed = request.toBuilder()
                .addResourceSpans(ResourceSpans.newBuilder().addScopeSpans(ScopeSpans.newBuilder()
                        .addSpans(OtlpTraces.span(OtlpTraces.randomId(15), "bad"))))
                .build();

        ExportResult result = pipeline.export(mixed, 100, "default", IngestMetrics.HTTP).join();

        assertThat(result.toResponse().getPartialSuccess().getRejectedSpans()).isEqualTo(1);
        assertThat(result.toResponse().getPartialSuccess().getErrorMessage())
                .isEqualTo("Rejected 1 of 7 spans with invalid ids; the first: trace_id must be 16 bytes, got 15");
        assertThat(counter("ingest.spans", "rejected", "invalid_id")).isEqualTo(1);
        assertThat(sink.sent().get(0).batches()).hasSize(3);
    }

    @Test
    void shouldAnswerAnEmptyRequestWithoutTouchingKafka() {
        assertThat(pipeline.export(ExportTraceServiceRequest.getDefaultInstance(), 0, "default", IngestMetrics.HTTP))
                .isCompletedWithValue(new ExportResult(0, 0, null));
        assertThat(sink.sent()).isEmpty();
        assertThat(new ExportResult(0, 0, null).toResponse().hasPartialSuccess()).isFalse();
    }

    @Test
    void shouldSplitATraceOverTheRecordBudgetAndCutWhatCannotBeSplitCountingBoth() {
        IngestPipeline small = new IngestPipeline(sink, new IngestMetrics(registry), TenantLimits.none(), 1 << 30,
                Duration.ofSeconds(10), Duration.ofSeconds(5), 16 * 1024, Runnable::run);
        ExportTraceServiceRequest one = OtlpTraces.request(1, 8);
        ScopeSpans.Builder scope = one.getResourceSpans(0).getScopeSpans(0).toBuilder();
        for (int i = 0; i < scope.getSpansCount(); i++) {
            scope.setSpans(i, scope.getSpans(i).toBuilder().addAttributes(OtlpTraces.attribute("input.value",
                    (i == 0 ? "y" : "x").repeat(i == 0 ? 100_000 : 5_000))));
        }
        ExportTraceServiceRequest large = one.toBuilder().setResourceSpans(0, one.getResourceSpans(0).toBuilder()
                .setScopeSpans(0, scope)).build();

        assertThat(small.export(large, large.getSerializedSize(), "default", IngestMetrics.HTTP))
                .isCompletedWithValue(new ExportResult(8, 0, null));

        assertThat(sink.sent().get(0).batches()).hasSizeGreaterThan(2).allSatisfy(b -> {
            assertThat(b.request().getSerializedSize()).isLessThanOrEqualTo(16 * 1024);
            assertThat(b.traceId()).isEqualTo(OtlpTraces.hex(scope.getSpans(0).getTraceId()));
        });
        assertThat(sink.sent().get(0).traces().stream().mapToInt(b -> b.spanCount()).sum()).isEqualTo(8);
        assertThat(registry.get("ingest.traces.split").tag("protocol", "http").counter().count()).isEqualTo(1);
        assertThat(registry.get("ingest.spans.truncated").counter().count()).isEqualTo(1);
        assertThat(registry.get("ingest.values.truncated").counter().count()).isEqualTo(1);
    }

    @Test
    void shouldAnswerWithinTheSendTimeoutEvenWhileTheSinkBlocksInTheHandOver() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        TraceSink blocking = (signal, batches, tenant) -> {
            // As KafkaProducer.send() does while metadata is missing: the calling thread waits.
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return CompletableFuture.failedFuture(new IllegalStateException("no metadata"));
        };
        ExecutorService handOver = Executors.newSingleThreadExecutor();
        IngestPipeline slow = new IngestPipeline(blocking, new IngestMetrics(registry), TenantLimits.none(), 1 << 20,
                Duration.ofSeconds(10), Duration.ofMillis(300), 960 << 10, handOver);
        long start = System.nanoTime();

        CompletableFuture<ExportResult> answer = slow.export(request, 100, "default", IngestMetrics.HTTP);

        assertThatThrownBy(answer::join).cause().isInstanceOf(IngestException.class)
                .hasMessage("Kafka did not acknowledge the spans within 300 ms; retry later");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(1500));
        assertThat(slow.inFlightBytes()).isEqualTo(100);
        release.countDown();
        await().atMost(Duration.ofSeconds(5)).until(() -> slow.inFlightBytes() == 0);
        handOver.shutdown();
    }

    @Test
    void shouldRefuseExportsAtOnceRetryablyWhileDraining() {
        pipeline.drain();

        CompletableFuture<ExportResult> result = pipeline.export(request, 100, "default", IngestMetrics.GRPC);

        assertThatThrownBy(result::join).cause().isInstanceOfSatisfying(IngestException.class,
                e -> assertThat(e.reason()).isEqualTo(RejectReason.KAFKA_UNAVAILABLE))
                .hasMessage("The ingest is stopping; retry later");
        assertThat(sink.sent()).isEmpty();
        assertThat(counter("ingest.requests", "rejected", "kafka_unavailable")).isEqualTo(1);
    }

    @Test
    void shouldStoreLogRecordsPerTraceOnTheLogsSignalAndCountThoseWithoutTraceAsDropped() {
        sink.hang();
        ExportLogsServiceRequest logs = OtlpLogs.request(2, 3).toBuilder().addResourceLogs(
                OtlpLogs.request(OtlpLogs.logRecord(ByteString.EMPTY, "no trace")).getResourceLogs(0)).build();

        CompletableFuture<ExportResult> result = pipeline.exportLogs(logs, 100, "acme", IngestMetrics.GRPC);

        assertThat(result).isNotDone();
        assertThat(sink.sent()).singleElement().satisfies(s -> {
            assertThat(s.signal()).isEqualTo(Signal.LOGS);
            assertThat(s.logs()).hasSize(2).allSatisfy(b -> assertThat(b.recordCount()).isEqualTo(3));
            assertThat(s.tenant()).isEqualTo("acme");
        });
        sink.sent().get(0).future().complete(null);
        assertThat(result).isCompletedWithValue(new ExportResult(6, 1, null));
        assertThat(counter("ingest.logs.records", "accepted", "none")).isEqualTo(6);
        assertThat(counter("ingest.logs.requests", "accepted", "none")).isEqualTo(1);
        assertThat(counter("ingest.requests", "accepted", "none")).isZero();
        assertThat(registry.get("ingest.logs.records.without.trace").tag("protocol", "grpc").counter().count())
                .isEqualTo(1);
        assertThat(pipeline.inFlightBytes()).isZero();
    }

    @Test
    void shouldFitOversizedLogsToTheRecordBudgetAndFailThemAsSpansWhenKafkaDoesNotAnswer() {
        IngestPipeline small = new IngestPipeline(sink, new IngestMetrics(registry), TenantLimits.none(), 1 << 30,
                Duration.ofSeconds(10), Duration.ofMillis(300), 16 * 1024, Runnable::run);
        ExportLogsServiceRequest large = OtlpLogs.request(OtlpLogs.logRecord(OtlpTraces.traceId(1), "z".repeat(40_000)),
                OtlpLogs.logRecord(OtlpTraces.traceId(1), "z".repeat(10_000)));
        sink.hang();

        CompletableFuture<ExportResult> result = small.exportLogs(large, large.getSerializedSize(), "default",
                IngestMetrics.HTTP);

        assertThatThrownBy(result::join).cause().isInstanceOf(IngestException.class)
                .hasMessage("Kafka did not acknowledge the log records within 300 ms; retry later");
        assertThat(sink.sent().get(0).logs()).hasSize(2).allSatisfy(b -> {
            assertThat(b.request().getSerializedSize()).isLessThanOrEqualTo(16 * 1024);
            assertThat(b.traceId()).isEqualTo(OtlpTraces.traceHex(1));
        });
        assertThat(registry.get("ingest.logs.traces.split").counter().count()).isEqualTo(1);
        assertThat(registry.get("ingest.logs.records.truncated").counter().count()).isEqualTo(1);
        assertThat(counter("ingest.logs.requests", "rejected", "kafka_unavailable")).isEqualTo(1);
    }
}
