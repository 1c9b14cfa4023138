package io.sessionizer.bench;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.client.grpc.GrpcClients;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.sessionizer.config.Config;
import io.sessionizer.ingest.IngestServer;
import io.sessionizer.ingest.IngestSettings;
import io.sessionizer.ingest.kafka.ProducerSettings;
import io.sessionizer.schemas.otlp.TraceBatch;
import io.sessionizer.schemas.otlp.TraceSplitter;
import io.sessionizer.testing.KafkaTestCluster;
import io.sessionizer.testing.OtlpTraces;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Accepted spans per second for 512-span requests over OTLP/HTTP and OTLP/gRPC against an in-JVM broker, next to a
 * plain Kafka producer sending the same per-trace records with the same settings. Not a test: run it by hand with
 * the test classpath ({@code java -cp ... io.sessionizer.bench.IngestThroughputBenchmark [seconds]}).
 */
public final class IngestThroughputBenchmark {
    private static final int TRACES = 64;
    private static final int SPANS_PER_TRACE = 8;
    private static final int CONCURRENCY = 16;

    private IngestThroughputBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Duration run = Duration.ofSeconds(args.length > 0 ? Long.parseLong(args[0]) : 15);
        KafkaTestCluster kafka = KafkaTestCluster.start();
        try {
            String topic = KafkaTestCluster.uniqueName("otlp_spans");
            kafka.createTopics(3, topic);
            List<ExportTraceServiceRequest> requests = new ArrayList<>();
            for (int i = 0; i < 32; i++) {
                requests.add(OtlpTraces.request(TRACES, SPANS_PER_TRACE));
            }
            int spansPerRequest = TRACES * SPANS_PER_TRACE;
            System.out.printf("request: %d spans, %d bytes%n", spansPerRequest, requests.get(0).getSerializedSize());

            double plain = plainProducer(kafka.bootstrapServers(), topic, requests, run) * spansPerRequest;
            try (IngestServer server = IngestServer.start(Config.load(IngestSettings.all(), Map.of(), Map.of(
                    "http.port", "0", "grpc.port", "0", "topic.spans", topic,
                    "kafka.bootstrap.servers", kafka.bootstrapServers())))) {
                // Armeria's client (HTTP/2 over cleartext), like the gRPC one, so both measure the server.
                WebClient http = WebClient.of("http://127.0.0.1:" + server.httpPort());
                double httpRate = measure(run, i -> http.execute(RequestHeaders.builder(HttpMethod.POST, "/v1/traces")
                                .contentType(MediaType.PROTOBUF).build(),
                        requests.get(i % requests.size()).toByteArray()).aggregate().thenAccept(r -> {
                            if (r.status().code() != 200) {
                                throw new IllegalStateException("HTTP " + r.status());
                            }
                        }), "http") * spansPerRequest;
                TraceServiceGrpc.TraceServiceFutureStub grpc = GrpcClients.builder("http://127.0.0.1:"
                        + server.grpcPort()).build(TraceServiceGrpc.TraceServiceFutureStub.class);
                double grpcRate = measure(run, i -> {
                    CompletableFuture<Void> done = new CompletableFuture<>();
                    var call = grpc.export(requests.get(i % requests.size()));
                    call.addListener(() -> {
                        try {
                            call.get();
                            done.complete(null);
                        } catch (Exception e) {
                            done.completeExceptionally(e);
                        }
                    }, Runnable::run);
                    return done;
                }, "grpc") * spansPerRequest;
                System.out.printf("plain producer: %,.0f spans/s%n", plain);
                System.out.printf("OTLP/HTTP:      %,.0f spans/s (%.0f%% of plain)%n", httpRate,
                        100 * httpRate / plain);
                System.out.printf("OTLP/gRPC:      %,.0f spans/s (%.0f%% of plain)%n", grpcRate,
                        100 * grpcRate / plain);
            }
        } finally {
            kafka.stop();
        }
        System.exit(0);
    }

    /** Requests per second with {@value #CONCURRENCY} in flight; the first third of the run warms up. */
    private static double measure(Duration run, java.util.function.IntFunction<CompletableFuture<Void>> send,
            String name) throws InterruptedException {
        Semaphore slots = new Semaphore(CONCURRENCY);
        AtomicLong completed = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        long warmUpEnd = System.nanoTime() + run.toNanos() / 3;
        long end = System.nanoTime() + run.toNanos();
        long countedFrom = -1;
        long countStart = 0;
        for (int i = 0; System.nanoTime() < end; i++) {
            slots.acquire();
            if (countedFrom < 0 && System.nanoTime() >= warmUpEnd) {
                countedFrom = completed.get();
                countStart = System.nanoTime();
            }
            send.apply(i).whenComplete((ignored, error) -> {
                if (error != null) {
                    failed.incrementAndGet();
                }
                completed.incrementAndGet();
                slots.release();
            });
        }
        double seconds = (System.nanoTime() - countStart) / 1e9;
        slots.acquire(CONCURRENCY);
        if (failed.get() > 0) {
            throw new IllegalStateException(name + ": " + failed.get() + " requests failed");
        }
        return (completed.get() - countedFrom) / seconds;
    }

    /** Requests per second for a plain producer sending each request's per-trace records and awaiting them all. */
    private static double plainProducer(String bootstrap, String topic, List<ExportTraceServiceRequest> requests,
            Duration run) throws InterruptedException {
        Map<String, Object> props = ProducerSettings.producer(Map.of("bootstrap.servers", bootstrap),
                Duration.ofSeconds(5), 16 << 20, 64 << 20);
        List<List<ProducerRecord<byte[], byte[]>>> records = new ArrayList<>();
        for (ExportTraceServiceRequest request : requests) {
            List<ProducerRecord<byte[], byte[]>> perTrace = new ArrayList<>();
            for (TraceBatch batch : TraceSplitter.split(request).batches()) {
                perTrace.add(new ProducerRecord<>(topic, batch.key(), batch.request().toByteArray()));
            }
            records.add(perTrace);
        }
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props)) {
            return measure(run, i -> {
                List<ProducerRecord<byte[], byte[]>> batch = records.get(i % records.size());
                CompletableFuture<Void> all = new CompletableFuture<>();
                AtomicLong pending = new AtomicLong(batch.size());
                for (ProducerRecord<byte[], byte[]> record : batch) {
                    producer.send(record, (metadata, error) -> {
                        if (error != null) {
                            all.completeExceptionally(error);
                        } else if (pending.decrementAndGet() == 0) {
                            all.complete(null);
                        }
                    });
                }
                return all;
            }, "plain");
        }
    }
}
