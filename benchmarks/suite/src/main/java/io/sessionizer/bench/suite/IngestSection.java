package io.sessionizer.bench.suite;

import io.sessionizer.loadgen.LoadResult;
import io.sessionizer.loadgen.Protocol;
import io.sessionizer.loadgen.Signal;
import io.sessionizer.loadgen.Traffic;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.NewTopic;

/**
 * Ingest at full speed: accepted spans/s and MB/s (answered only once Kafka acknowledged every record) over OTLP/HTTP
 * and OTLP/gRPC, each against the limit of a plain Kafka producer sending the same records; then the traces' GenAI
 * events as OTLP logs to {@code /v1/logs} (log records/s and MB/s), against a plain producer sending the same
 * {@code otlp_logs} records. The spans go over HTTPS and over gRPC with TLS too (a second ingest, serving a
 * certificate made for the run), against the plain-text figures of the same run. The traffic has the same seed in
 * every run, so the spans and events are the same.
 */
final class IngestSection {
    static final String NAME = "ingest";
    /** Ingest should reach this share of the plain producer's spans/s. */
    static final double TARGET_RATIO = 0.6;
    private static final long SEED = 1;
    private static final String BASELINE = "plain Kafka producer, same records";
    private static final String LOGS = "OTLP/HTTP /v1/logs";
    private static final String PLAIN = "the same protocol in plain text, same run";

    private final BenchStack stack;
    private final BenchSize size;
    private final Consumer<String> out;

    IngestSection(BenchStack stack, BenchSize size, Consumer<String> out) {
        this.stack = stack;
        this.size = size;
        this.out = out;
    }

    List<Figure> run(String run) throws Exception {
        String topic = "ingest-" + run;
        String logsTopic = "ingest-logs-" + run;
        String baselineTopic = "producer-" + run;
        String logsBaselineTopic = "producer-logs-" + run;
        String tlsTopic = "ingest-tls-" + run;
        String tlsLogsTopic = "ingest-tls-logs-" + run;
        stack.createTopics(List.of(new NewTopic(topic, 6, (short) 1), new NewTopic(logsTopic, 6, (short) 1),
                new NewTopic(baselineTopic, 6, (short) 1), new NewTopic(logsBaselineTopic, 6, (short) 1),
                new NewTopic(tlsTopic, 6, (short) 1), new NewTopic(tlsLogsTopic, 6, (short) 1)));
        LoadResult[] results = new LoadResult[Protocol.values().length];
        LoadResult[] tlsResults = new LoadResult[Protocol.values().length];
        LoadResult logs;
        BenchCertificate certificate = BenchCertificate.create(stack.dir().resolve("tls"));
        BenchStack.Service ingest = stack.startIngest("ingest (full speed)", topic, logsTopic);
        BenchStack.Service tlsIngest = null;
        try {
            tlsIngest = stack.startIngest("ingest (full speed, TLS)", tlsTopic, tlsLogsTopic, certificate);
            // Plain and TLS in the order A B B A (HTTP, HTTPS, gRPC with TLS, gRPC), so that a drift during the
            // run (the load generator's JIT, a neighbour's load) weighs on both sides alike.
            for (Protocol protocol : Protocol.values()) {
                boolean tlsFirst = protocol.ordinal() % 2 == 1;
                for (boolean tls : tlsFirst ? new boolean[] {true, false} : new boolean[] {false, true}) {
                    BenchStack.Service target = tls ? tlsIngest : ingest;
                    out.accept(String.format(Locale.ROOT, "%s%s as fast as ingest answers, %d s warm-up, %d s"
                            + " measured:", protocol.label(), tls ? " with TLS" : "",
                            size.ingestWarmup().toSeconds(), size.ingestDuration().toSeconds()));
                    LoadResult result = load(protocol, protocol == Protocol.HTTP ? target.port() : target.grpcPort(),
                            tls ? certificate.certFile() : null, Signal.TRACES);
                    (tls ? tlsResults : results)[protocol.ordinal()] = result;
                }
            }
            out.accept(String.format(Locale.ROOT, "%s, the GenAI events of the same traces (%d log records each), as "
                    + "fast as ingest answers:", LOGS, Traffic.LOG_RECORDS_PER_TRACE));
            logs = load(Protocol.HTTP, ingest.port(), Signal.LOGS);
        } finally {
            stack.stop(ingest);
            if (tlsIngest != null) {
                stack.stop(tlsIngest);
            }
        }
        out.accept("Plain Kafka producer, the same records, as fast as the broker acknowledges:");
        LoadResult producer = ProducerBaseline.run(stack.bootstrapServers(), baselineTopic, traffic(),
                size.ingestWarmup(), size.ingestDuration());
        out.accept(producer.describe());
        out.accept("Plain Kafka producer, the same log records (one record per trace), as fast as the broker "
                + "acknowledges:");
        LoadResult logsProducer = ProducerBaseline.run(stack.bootstrapServers(), logsBaselineTopic, traffic(),
                Signal.LOGS, size.ingestWarmup(), size.ingestDuration());
        out.accept(logsProducer.describe());

        List<Figure> figures = new ArrayList<>();
        for (Protocol protocol : Protocol.values()) {
            figures.addAll(figures(protocol.label() + ": ", "accepted spans", "spans/s",
                    results[protocol.ordinal()], producer, Target.ratioAtLeast(TARGET_RATIO)));
        }
        figures.addAll(figures(LOGS + ": ", "accepted log records", "log records/s", logs, logsProducer));
        for (Protocol protocol : Protocol.values()) {
            LoadResult tls = tlsResults[protocol.ordinal()];
            LoadResult plain = results[protocol.ordinal()];
            String p = protocol.label() + " with TLS: ";
            figures.add(Figure.of(NAME, p + "accepted spans", tls.spansPerSecond(), "spans/s")
                    .withBaseline(PLAIN, plain.spansPerSecond()));
            figures.add(Figure.of(NAME, p + "request latency p50", tls.latency().p50(), "ms")
                    .withBaseline(PLAIN, plain.latency().p50()).withSamples(tls.latency().count()));
            figures.add(Figure.of(NAME, p + "request latency p99", tls.latency().p99(), "ms")
                    .withBaseline(PLAIN, plain.latency().p99()).withSamples(tls.latency().count()));
            figures.add(Figure.of(NAME, p + "failed requests (" + tls.describeErrors() + ")", tls.errorCount(),
                    "requests"));
        }
        return figures;
    }

    /** One measured load until its end, its numbers printed. */
    private LoadResult load(Protocol protocol, int port, Signal signal) {
        return load(protocol, port, null, signal);
    }

    /** {@link #load(Protocol, int, Signal)} over TLS, trusting {@code trust}, unless null. */
    private LoadResult load(Protocol protocol, int port, Path trust, Signal signal) {
        try (BenchLoad load = new BenchLoad(protocol, port, trust, traffic(), signal, 0, size.ingestWarmup(),
                size.ingestDuration())) {
            load.start(out);
            LoadResult result = load.await();
            out.accept(result.describe());
            return result;
        }
    }

    /** Throughput against the producer's, bytes against the producer's, latency and failures of one load. */
    private static List<Figure> figures(String p, String accepted, String unit, LoadResult r, LoadResult producer,
            Target... targets) {
        return List.of(
                Figure.of(NAME, p + accepted, r.spansPerSecond(), unit)
                        .withBaseline(BASELINE, producer.spansPerSecond()).withTargets(targets),
                Figure.of(NAME, p + "accepted protobuf", r.megabytesPerSecond(), "MB/s")
                        .withBaseline(BASELINE, producer.megabytesPerSecond()),
                Figure.of(NAME, p + "request latency p50", r.latency().p50(), "ms").withSamples(r.latency().count()),
                Figure.of(NAME, p + "request latency p99", r.latency().p99(), "ms").withSamples(r.latency().count()),
                Figure.of(NAME, p + "failed requests (" + r.describeErrors() + ")", r.errorCount(), "requests"));
    }

    private static Traffic traffic() {
        return new Traffic(SEED, BenchLoad.SHAPE, "ingest");
    }
}
