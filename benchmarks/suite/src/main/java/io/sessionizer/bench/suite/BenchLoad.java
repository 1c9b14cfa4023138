package io.sessionizer.bench.suite;

import io.sessionizer.loadgen.LoadGenerator;
import io.sessionizer.loadgen.LoadResult;
import io.sessionizer.loadgen.OtlpSender;
import io.sessionizer.loadgen.Protocol;
import io.sessionizer.loadgen.Signal;
import io.sessionizer.loadgen.Traffic;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;

/**
 * The OTLP load of the benchmark, the same in every section: 1,000 agent sessions in flight, 10 turns of 5 spans each,
 * exports of 500 spans, at most 16 requests in flight, sent by the load generator to the stack's ingest.
 */
final class BenchLoad implements AutoCloseable {
    static final Traffic.Shape SHAPE = new Traffic.Shape(1_000, 10, 5);
    static final int SPANS_PER_REQUEST = 500;
    static final int CONCURRENCY = 16;
    static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final Duration PROGRESS = Duration.ofSeconds(5);

    private final OtlpSender sender;
    private final LoadGenerator generator;
    private CompletableFuture<LoadResult> running;

    /**
     * @param port ingest's OTLP/HTTP or OTLP/gRPC port
     * @param rate spans per second; 0 for as fast as ingest answers
     */
    BenchLoad(Protocol protocol, int port, Traffic traffic, double rate, Duration warmup, Duration duration) {
        this(protocol, port, traffic, Signal.TRACES, rate, warmup, duration);
    }

    /** A load of {@code signal}: for logs, the GenAI events of the traces of 500 spans per export. */
    BenchLoad(Protocol protocol, int port, Traffic traffic, Signal signal, double rate, Duration warmup,
            Duration duration) {
        this(protocol, port, null, traffic, signal, rate, warmup, duration);
    }

    /** A load over TLS to an ingest serving {@code trust}, a PEM certificate, unless null (plain text). */
    BenchLoad(Protocol protocol, int port, Path trust, Traffic traffic, Signal signal, double rate,
            Duration warmup, Duration duration) {
        this.sender = OtlpSender.connect(protocol, (trust == null ? "http" : "https") + "://localhost:" + port, null,
                TIMEOUT, new OtlpSender.Tls(trust, null, null));
        this.generator = new LoadGenerator(sender, traffic, new LoadGenerator.Settings(SPANS_PER_REQUEST, rate,
                CONCURRENCY, warmup, duration, Long.MAX_VALUE), signal);
    }

    /** Sends in the background, printing progress, until the duration passed or {@link #stop()}. */
    void start(Consumer<String> progress) {
        running = CompletableFuture.supplyAsync(() -> {
            try {
                return generator.run(progress, PROGRESS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CompletionException(e);
            }
        });
    }

    /** Waits for the end of the run. */
    LoadResult await() {
        return running.join();
    }

    /** Ends the run now and returns what it measured after the warm-up. */
    LoadResult stop() {
        generator.stop();
        return running.join();
    }

    @Override
    public void close() {
        generator.stop();
        sender.close();
    }
}
