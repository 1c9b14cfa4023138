package io.sessionizer.ingest.pipeline;

import io.sessionizer.schemas.otlp.TraceBatch;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** Where traces are stored: Kafka in production, a fake in tests of the transports. */
public interface TraceSink {
    /**
     * Writes one record per batch. The future completes once every record is durably stored, or fails with the
     * first error. May block briefly (Kafka waits for metadata), so callers run it off the event loop.
     */
    CompletableFuture<Void> send(List<TraceBatch> batches, String tenant);
}
