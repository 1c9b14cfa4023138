package io.sessionizer.ingest.pipeline;

import io.sessionizer.schemas.otlp.OtlpBatch;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** Where traces' spans and log records are stored: Kafka in production, a fake in tests of the transports. */
public interface TraceSink {
    /**
     * Writes one record per batch to the topic of the signal. The future completes once every record is durably
     * stored, or fails with the first error. May block briefly (Kafka waits for metadata), so callers run it off the
     * event loop.
     */
    CompletableFuture<Void> send(Signal signal, List<? extends OtlpBatch> batches, String tenant);
}
