package io.sessionizer.bench.suite;

import io.sessionizer.loadgen.LoadResult;
import io.sessionizer.loadgen.Protocol;
import io.sessionizer.loadgen.Traffic;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.NewTopic;

/**
 * Ingest at full speed: accepted spans/s and MB/s (answered only once Kafka acknowledged every record) over OTLP/HTTP
 * and OTLP/gRPC, each against the limit of a plain Kafka producer sending the same records. The traffic has the same
 * seed in all three runs, so the spans are the same.
 */
final class IngestSection {
    static final String NAME = "ingest";
    /** Ingest should reach this share of the plain producer's spans/s. */
    static final double TARGET_RATIO = 0.6;
    private static final long SEED = 1;
    private static final String BASELINE = "plain Kafka producer, same records";

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
        String baselineTopic = "producer-" + run;
        stack.createTopics(List.of(new NewTopic(topic, 6, (short) 1), new NewTopic(baselineTopic, 6, (short) 1)));
        List<LoadResult> results = new ArrayList<>();
        BenchStack.Service ingest = stack.startIngest("ingest (full speed)", topic);
        try {
            for (Protocol protocol : Protocol.values()) {
                out.accept(String.format(Locale.ROOT, "%s as fast as ingest answers, %d s warm-up, %d s measured:",
                        protocol.label(), size.ingestWarmup().toSeconds(), size.ingestDuration().toSeconds()));
                try (BenchLoad load = new BenchLoad(protocol, protocol == Protocol.HTTP ? ingest.port()
                        : ingest.grpcPort(), traffic(), 0, size.ingestWarmup(),
                        size.ingestDuration())) {
                    load.start(out);
                    results.add(load.await());
                }
                out.accept(results.get(results.size() - 1).describe());
            }
        } finally {
            stack.stop(ingest);
        }
        out.accept("Plain Kafka producer, the same records, as fast as the broker acknowledges:");
        LoadResult producer = ProducerBaseline.run(stack.bootstrapServers(), baselineTopic, traffic(),
                size.ingestWarmup(), size.ingestDuration());
        out.accept(producer.describe());

        List<Figure> figures = new ArrayList<>();
        for (Protocol protocol : Protocol.values()) {
            LoadResult r = results.get(protocol.ordinal());
            String p = protocol.label() + ": ";
            figures.add(Figure.of(NAME, p + "accepted spans", r.spansPerSecond(), "spans/s")
                    .withBaseline(BASELINE, producer.spansPerSecond()).withTargets(Target.ratioAtLeast(TARGET_RATIO)));
            figures.add(Figure.of(NAME, p + "accepted protobuf", r.megabytesPerSecond(), "MB/s")
                    .withBaseline(BASELINE, producer.megabytesPerSecond()));
            figures.add(Figure.of(NAME, p + "request latency p50", r.latency().p50(), "ms")
                    .withSamples(r.latency().count()));
            figures.add(Figure.of(NAME, p + "request latency p99", r.latency().p99(), "ms")
                    .withSamples(r.latency().count()));
            figures.add(Figure.of(NAME, p + "failed requests (" + r.describeErrors() + ")", r.errorCount(),
                    "requests"));
        }
        return figures;
    }

    private static Traffic traffic() {
        return new Traffic(SEED, BenchLoad.SHAPE, "ingest");
    }
}
