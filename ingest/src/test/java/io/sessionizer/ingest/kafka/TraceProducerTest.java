package io.sessionizer.ingest.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.sessionizer.ingest.pipeline.IngestException;
import io.sessionizer.ingest.pipeline.RejectReason;
import io.sessionizer.ingest.pipeline.Signal;
import io.sessionizer.schemas.otlp.LogBatch;
import io.sessionizer.schemas.otlp.LogSplitter;
import io.sessionizer.schemas.otlp.TraceBatch;
import io.sessionizer.schemas.otlp.TraceSplitter;
import io.sessionizer.schemas.records.RecordContract;
import io.sessionizer.testing.OtlpLogs;
import io.sessionizer.testing.OtlpTraces;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

class TraceProducerTest {
    // Not auto-completing: the test decides when and how the broker answers each record.
    private final MockProducer<byte[], byte[]> mock =
            new MockProducer<>(false, null, new ByteArraySerializer(), new ByteArraySerializer());
    private final TraceProducer producer = new TraceProducer(mock, "spans", "logs");
    private final List<TraceBatch> batches = TraceSplitter.split(OtlpTraces.request(3, 2)).batches();

    @Test
    void shouldWriteOneKeyedRecordPerTraceWithTheTenantHeader() throws Exception {
        CompletableFuture<Void> sent = producer.send(Signal.TRACES, batches, "acme");

        assertThat(sent).isNotDone();
        assertThat(mock.history()).hasSize(3);
        for (int i = 0; i < 3; i++) {
            ProducerRecord<byte[], byte[]> record = mock.history().get(i);
            assertThat(record.topic()).isEqualTo("spans");
            assertThat(new String(record.key(), StandardCharsets.UTF_8)).isEqualTo(batches.get(i).traceId());
            assertThat(ExportTraceServiceRequest.parseFrom(record.value())).isEqualTo(batches.get(i).request());
            assertThat(new String(record.headers().lastHeader(RecordContract.TENANT_HEADER).value(),
                    StandardCharsets.UTF_8)).isEqualTo("acme");
        }
    }

    @Test
    void shouldCompleteOnlyWhenEveryRecordIsAcknowledged() {
        CompletableFuture<Void> sent = producer.send(Signal.TRACES, batches, "default");

        mock.completeNext();
        mock.completeNext();
        assertThat(sent).isNotDone();
        mock.completeNext();
        assertThat(sent).isCompleted();
    }

    @Test
    void shouldFailWithTheFirstErrorOnlyAfterEveryRecordWasAnswered() {
        CompletableFuture<Void> sent = producer.send(Signal.TRACES, batches, "default");

        mock.errorNext(new NotEnoughReplicasException("isr too small"));
        assertThat(sent).isNotDone();
        mock.completeNext();
        mock.errorNext(new NotEnoughReplicasException("second"));

        assertThatThrownBy(sent::get).isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(NotEnoughReplicasException.class).cause().hasMessage("isr too small");
    }

    @Test
    void shouldReportATraceTooLargeForKafkaAsTooLarge() {
        CompletableFuture<Void> sent = producer.send(Signal.TRACES, batches.subList(0, 1), "default");

        mock.errorNext(new RecordTooLargeException("The message is 2000000 bytes"));

        assertThatThrownBy(sent::get).cause().isInstanceOfSatisfying(IngestException.class,
                e -> assertThat(e.reason()).isEqualTo(RejectReason.TOO_LARGE))
                .hasMessage("A record is larger than Kafka accepts (record.max-bytes is above the topic's "
                        + "max.message.bytes): The message is 2000000 bytes");
    }

    @Test
    void shouldFailAtOnceWhenTheProducerIsClosed() {
        mock.close();

        assertThat(producer.send(Signal.TRACES, batches, "default")).isCompletedExceptionally();
    }

    @Test
    void shouldBlockOnMissingMetadataOnceAndNotOncePerTrace() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        Duration maxBlock = Duration.ofMillis(800);
        try (KafkaProducer<byte[], byte[]> real = new KafkaProducer<>(ProducerSettings.producer(
                Map.of("bootstrap.servers", "127.0.0.1:" + closedPort), maxBlock, 960 << 10, 1 << 20))) {
            long start = System.nanoTime();

            CompletableFuture<Void> sent = new TraceProducer(real, "spans", "logs")
                    .send(Signal.TRACES, batches, "default");

            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertThat(sent).isCompletedExceptionally();
            // Three traces used to block three times as long.
            assertThat(took).isGreaterThanOrEqualTo(maxBlock.minusMillis(100)).isLessThan(maxBlock.multipliedBy(2));
        }
    }

    @Test
    void shouldWriteLogsToTheLogsTopicKeyedByTraceWithTheTenantHeader() throws Exception {
        List<LogBatch> logs = LogSplitter.split(OtlpLogs.request(2, 2)).batches();

        CompletableFuture<Void> sent = producer.send(Signal.LOGS, logs, "acme");

        assertThat(mock.history()).hasSize(2);
        for (int i = 0; i < 2; i++) {
            ProducerRecord<byte[], byte[]> record = mock.history().get(i);
            assertThat(record.topic()).isEqualTo("logs");
            assertThat(new String(record.key(), StandardCharsets.UTF_8)).isEqualTo(logs.get(i).traceId());
            assertThat(ExportLogsServiceRequest.parseFrom(record.value())).isEqualTo(logs.get(i).request());
            assertThat(new String(record.headers().lastHeader(RecordContract.TENANT_HEADER).value(),
                    StandardCharsets.UTF_8)).isEqualTo("acme");
        }
        mock.completeNext();
        mock.completeNext();
        assertThat(sent).isCompleted();
    }
}
