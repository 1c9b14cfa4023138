package io.sessionizer.ingest;

import io.sessionizer.ingest.pipeline.Signal;
import io.sessionizer.ingest.pipeline.TraceSink;
import io.sessionizer.schemas.otlp.LogBatch;
import io.sessionizer.schemas.otlp.OtlpBatch;
import io.sessionizer.schemas.otlp.TraceBatch;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

/** A sink whose answers the test decides: each send returns the future made by the current behaviour. */
public final class FakeSink implements TraceSink {
    /** One call of {@link #send}. */
    public record Sent(Signal signal, List<? extends OtlpBatch> batches, String tenant, CompletableFuture<Void> future) {
        /** The batches of a traces export. */
        public List<TraceBatch> traces() {
            return batches.stream().map(TraceBatch.class::cast).toList();
        }

        /** The batches of a logs export. */
        public List<LogBatch> logs() {
            return batches.stream().map(LogBatch.class::cast).toList();
        }
    }

    private final List<Sent> sent = new CopyOnWriteArrayList<>();
    private volatile Supplier<CompletableFuture<Void>> behaviour = () -> CompletableFuture.completedFuture(null);

    /** Completes and forgets earlier sends and succeeds again, for a sink shared by several tests. */
    public void reset() {
        sent.forEach(s -> s.future().complete(null));
        sent.clear();
        succeed();
    }

    /** Every later send succeeds at once. */
    public void succeed() {
        behaviour = () -> CompletableFuture.completedFuture(null);
    }

    /** Every later send fails at once with the given error. */
    public void fail(RuntimeException error) {
        behaviour = () -> CompletableFuture.failedFuture(error);
    }

    /** Every later send waits until the test completes its future. */
    public void hang() {
        behaviour = CompletableFuture::new;
    }

    @Override
    public CompletableFuture<Void> send(Signal signal, List<? extends OtlpBatch> batches, String tenant) {
        CompletableFuture<Void> future = behaviour.get();
        sent.add(new Sent(signal, batches, tenant, future));
        return future;
    }

    public List<Sent> sent() {
        return sent;
    }
}
