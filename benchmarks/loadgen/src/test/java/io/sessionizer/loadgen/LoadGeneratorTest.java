package io.sessionizer.loadgen;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.sessionizer.loadgen.Traffic;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongFunction;
import org.junit.jupiter.api.Test;

class LoadGeneratorTest {
    private static final Traffic.Shape SHAPE = new Traffic.Shape(10, 3, 4);

    /** Answers at once, as {@code answer} says for the n-th export (from 0). */
    private static final class FakeSender implements OtlpSender {
        private final LongFunction<CompletableFuture<Long>> answer;
        private final List<ExportTraceServiceRequest> sent = new ArrayList<>();
        private final List<ExportLogsServiceRequest> logs = new ArrayList<>();

        FakeSender(LongFunction<CompletableFuture<Long>> answer) {
            this.answer = answer;
        }

        @Override
        public synchronized CompletableFuture<Long> send(ExportTraceServiceRequest request, long spans) {
            sent.add(request);
            return answer.apply(sent.size() - 1);
        }

        @Override
        public synchronized CompletableFuture<Long> sendLogs(ExportLogsServiceRequest request, long records) {
            logs.add(request);
            return answer.apply(logs.size() - 1);
        }

        @Override
        public void close() {
        }
    }

    private static LoadResult run(FakeSender sender, int spansPerRequest, long maxSpans) throws Exception {
        return new LoadGenerator(sender, new Traffic(1, SHAPE, "t"), new LoadGenerator.Settings(spansPerRequest, 0, 4,
                Duration.ZERO, Duration.ofMinutes(5), maxSpans)).run(line -> { }, Duration.ZERO);
    }

    @Test
    void shouldSendWholeTurnsUntilTheSpanCountAndCountWhatWasAccepted() throws Exception {
        FakeSender sender = new FakeSender(n -> CompletableFuture.completedFuture(12L));

        LoadResult result = run(sender, 12, 100);

        // 100 spans of 4-span turns, 3 turns per export: 8 full exports and one of a single turn.
        assertThat(sender.sent).hasSize(9);
        assertThat(sender.sent.get(8).getResourceSpans(0).getScopeSpans(0).getSpansCount()).isEqualTo(4);
        assertThat(result.requests()).isEqualTo(9);
        assertThat(result.spans()).isEqualTo(8 * 12 + 12);
        assertThat(result.bytes()).isEqualTo(sender.sent.stream().mapToLong(r -> r.getSerializedSize()).sum());
        assertThat(result.errors()).isEmpty();
        assertThat(result.latency().count()).isEqualTo(9);
    }

    @Test
    void shouldRoundAnExportDownToWholeTurnsButSendAtLeastOne() throws Exception {
        FakeSender sender = new FakeSender(n -> CompletableFuture.completedFuture(4L));

        run(sender, 3, 8);

        assertThat(sender.sent).hasSize(2).allMatch(r -> r.getResourceSpans(0).getScopeSpans(0).getSpansCount() == 4);
    }

    @Test
    void shouldCountFailuresByKindAndPartialSuccessesAsErrors() throws Exception {
        FakeSender sender = new FakeSender(n -> switch ((int) (n % 3)) {
            case 0 -> CompletableFuture.completedFuture(12L);
            case 1 -> CompletableFuture.completedFuture(10L);
            default -> CompletableFuture.failedFuture(new SendFailure("http 503", "Kafka is unavailable"));
        });

        LoadResult result = run(sender, 12, 12 * 6);

        assertThat(result.requests()).isEqualTo(4);
        assertThat(result.spans()).isEqualTo(2 * 12 + 2 * 10);
        assertThat(result.errors()).containsOnly(
                org.assertj.core.api.Assertions.entry("http 503", 2L),
                org.assertj.core.api.Assertions.entry("partial success", 2L));
        assertThat(result.describeErrors()).isEqualTo("http 503 × 2, partial success × 2");
    }

    @Test
    void shouldCountAnExceptionThrownBySendAsAFailedRequest() throws Exception {
        FakeSender sender = new FakeSender(n -> {
            throw new IllegalStateException("closed");
        });

        LoadResult result = run(sender, 12, 24);

        assertThat(result.errors()).containsEntry("IllegalStateException", 2L);
        assertThat(result.spans()).isZero();
    }

    @Test
    void shouldSendTheGenAiEventsOfTheTracesAsLogsCountingLogRecords() throws Exception {
        FakeSender sender = new FakeSender(n -> CompletableFuture.completedFuture(6L));

        LoadResult result = new LoadGenerator(sender, new Traffic(1, SHAPE, "t"), new LoadGenerator.Settings(12, 0, 4,
                Duration.ZERO, Duration.ofMinutes(5), 18), Signal.LOGS).run(line -> { }, Duration.ZERO);

        // 3 traces per export (12 spans of 4-span turns), 2 log records per trace: 18 records in 3 exports.
        assertThat(sender.sent).isEmpty();
        assertThat(sender.logs).hasSize(3).allSatisfy(r -> assertThat(r.getResourceLogs(0).getScopeLogs(0)
                .getLogRecordsList()).hasSize(6).allSatisfy(l -> assertThat(l.getTraceId()).hasSize(16)));
        assertThat(result.spans()).isEqualTo(18);
        assertThat(result.bytes()).isEqualTo(sender.logs.stream().mapToLong(r -> r.getSerializedSize()).sum());
    }
}
