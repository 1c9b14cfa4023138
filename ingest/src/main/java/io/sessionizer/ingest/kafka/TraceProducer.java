package io.sessionizer.ingest.kafka;

import io.sessionizer.ingest.pipeline.IngestException;
import io.sessionizer.ingest.pipeline.RejectReason;
import io.sessionizer.ingest.pipeline.Signal;
import io.sessionizer.ingest.pipeline.TraceSink;
import io.sessionizer.schemas.otlp.OtlpBatch;
import io.sessionizer.schemas.records.RecordContract;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Writes each batch as one record of the spans topic (or of the logs topic for log records): key = lowercase hex
 * trace id, value = the serialized one-trace export request, header {@value RecordContract#TENANT_HEADER} = the
 * tenant (DESIGN.md, "Kafka topics"). A trace may come as several batches with the same key when it is larger than
 * {@code record.max-bytes}. Both topics share the one idempotent producer.
 */
public final class TraceProducer implements TraceSink, AutoCloseable {
    private final Producer<byte[], byte[]> producer;
    private final String spansTopic;
    private final String logsTopic;

    public TraceProducer(Producer<byte[], byte[]> producer, String spansTopic, String logsTopic) {
        this.producer = producer;
        this.spansTopic = spansTopic;
        this.logsTopic = logsTopic;
    }

    /**
     * Completes when every record has been acknowledged, or fails with the first error once every record has been
     * answered, so that the caller's in-flight accounting never releases bytes the producer still holds.
     */
    @Override
    public CompletableFuture<Void> send(Signal signal, List<? extends OtlpBatch> batches, String tenant) {
        String topic = signal == Signal.LOGS ? logsTopic : spansTopic;
        CompletableFuture<Void> all = new CompletableFuture<>();
        AtomicInteger pending = new AtomicInteger(batches.size());
        AtomicReference<Throwable> firstError = new AtomicReference<>();
        byte[] tenantBytes = tenant.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < batches.size(); i++) {
            if (firstError.get() != null) {
                // send() reports a metadata timeout through the callback after blocking for max.block.ms; sending
                // the rest would block that long again for each record (three traces, three send timeouts).
                if (pending.addAndGet(-(batches.size() - i)) == 0) {
                    finish(all, firstError.get());
                }
                break;
            }
            OtlpBatch batch = batches.get(i);
            RecordHeaders headers = new RecordHeaders();
            headers.add(new RecordHeader(RecordContract.TENANT_HEADER, tenantBytes));
            ProducerRecord<byte[], byte[]> record =
                    new ProducerRecord<>(topic, null, batch.key(), batch.request().toByteArray(), headers);
            try {
                producer.send(record, (metadata, error) -> {
                    if (error != null) {
                        firstError.compareAndSet(null, error);
                    }
                    if (pending.decrementAndGet() == 0) {
                        finish(all, firstError.get());
                    }
                });
            } catch (RuntimeException e) {
                // send() reports record errors to the callback and throws only when the producer itself is unusable
                // (closed, interrupted), which the remaining records would meet too.
                firstError.compareAndSet(null, e);
                if (pending.addAndGet(-(batches.size() - i)) == 0) {
                    finish(all, firstError.get());
                }
                break;
            }
        }
        return all;
    }

    private static void finish(CompletableFuture<Void> all, Throwable error) {
        if (error == null) {
            all.complete(null);
        } else {
            all.completeExceptionally(translate(error));
        }
    }

    private static Throwable translate(Throwable error) {
        if (error instanceof RecordTooLargeException) {
            return new IngestException(RejectReason.TOO_LARGE,
                    "A record is larger than Kafka accepts (record.max-bytes is above the topic's max.message.bytes): "
                            + error.getMessage(), error);
        }
        return error;
    }

    /** Waits up to {@code timeout} for buffered records to be acknowledged, then closes. */
    public void close(Duration timeout) {
        producer.close(timeout);
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(30));
    }
}
