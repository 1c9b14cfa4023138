package io.sessionizer.bench;

import io.sessionizer.aggregator.AggregatorMain;
import io.sessionizer.cli.Poll;
import io.sessionizer.config.KafkaSecurity;
import io.sessionizer.launcher.local.ChildJvm;
import io.sessionizer.loadgen.Traffic;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongFunction;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * How fast the aggregator catches up on a backlog under exactly-once, against the limit of the same machine: a plain
 * Kafka Streams application that only repartitions the same records. Both run as child JVMs, one after the other, on
 * the same backlog; each is timed from its first committed offset to the moment its consumer group has nothing left
 * to read, its peak resident memory (VmHWM) is read from /proc, and the bytes it wrote to Kafka (its internal topics
 * and its outputs) are measured with the Admin client ({@link TopicBytes}).
 */
public final class Backlog {
    private static final Duration POLL = Duration.ofMillis(250);
    private static final String HEAP = "1g";

    /**
     * The backlog, and where the runs keep their state stores and their logs.
     *
     * @param sessionsInFlight sessions whose turns interleave in the backlog; 0 for all of them at once
     */
    public record Options(String bootstrapServers, long spans, int spansPerTrace, int tracesPerSession,
            int sessionsInFlight, int partitions, Path stateDir, Path logDir, Duration timeout) {
    }

    /**
     * One application's catch-up.
     *
     * @param bytesWritten what it wrote to Kafka, by topic: its internal topics (changelogs, repartition) named without
     *     the application id, its outputs by their role ({@code sessions}, {@code session-turns}, {@code
     *     session-events}, {@code dlq})
     */
    public record Run(String name, double spansPerSecond, double seconds, long peakRssBytes,
            Map<String, Long> bytesWritten) {
        public Run {
            bytesWritten = Collections.unmodifiableMap(new TreeMap<>(bytesWritten));
        }

        public long totalBytesWritten() {
            return bytesWritten.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    /**
     * The backlog and both catch-ups.
     *
     * @param inputBytes the backlog topic's bytes in Kafka, as its producer (with ingest's compression) wrote them
     */
    public record Result(long spans, double produceSeconds, long inputBytes, Run baseline, Run aggregator) {
        public double ratio() {
            return aggregator.spansPerSecond() / baseline.spansPerSecond();
        }

        /** Bytes an application wrote to Kafka per byte of input; NaN when the input size is unknown. */
        public double bytesPerInputByte(Run app) {
            return inputBytes <= 0 ? Double.NaN : app.totalBytesWritten() / (double) inputBytes;
        }
    }

    private final Options options;
    private final Consumer<String> progress;

    public Backlog(Options options, Consumer<String> progress) {
        this.options = options;
        this.progress = progress;
    }

    /** Writes the backlog to a topic of its own, then runs the baseline and the aggregator on it. */
    public Result run() throws Exception {
        String run = Long.toString(System.currentTimeMillis(), 36);
        String topic = "bench-spans-" + run;
        Files.createDirectories(options.stateDir());
        // TLS and SASL from the KAFKA_* variables, which the aggregator and the baseline started below inherit.
        Map<String, Object> adminProps = new HashMap<>(KafkaSecurity.fromEnvironment());
        adminProps.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, options.bootstrapServers());
        try (Admin admin = Admin.create(adminProps)) {
            createTopics(admin, List.of(new NewTopic(topic, options.partitions(), (short) 1)));
            long traces = options.spans() / options.spansPerTrace();
            double produceSeconds = produce(topic, traces, run);
            long spans = traces * options.spansPerTrace();
            long inputBytes = TopicBytes.measure(admin).of(topic);
            progress.accept(String.format(Locale.ROOT, "Backlog: %,d spans in %,d traces on %s (%.1f MB in Kafka),"
                    + " produced in %.1f s", spans, traces, topic, inputBytes / 1e6, produceSeconds));

            String baselineId = "bench-baseline-" + run;
            Run baseline = measure(admin, "repartition-only baseline", topic, traces, baselineId,
                    Set.of(baselineId + "-baseline-repartition"), Map.of(), RepartitionOnlyApp.class.getName(),
                    List.of(options.bootstrapServers(), topic, baselineId,
                            options.stateDir().resolve(baselineId).toString()));
            String aggregatorId = "bench-aggregator-" + run;
            Map<String, String> outputs = Map.of("bench-sessions-" + run, "sessions",
                    "bench-turns-" + run, "session-turns", "bench-events-" + run, "session-events",
                    "bench-dlq-" + run, "dlq");
            Run aggregator = measure(admin, "aggregator", topic, traces, aggregatorId,
                    Set.of(aggregatorId + "-turns-by-session-repartition"), outputs, AggregatorMain.class.getName(),
                    List.of("--set", "application.id=" + aggregatorId,
                            "--set", "topic.spans=" + topic,
                            "--set", "topic.sessions=bench-sessions-" + run,
                            "--set", "topic.turns=bench-turns-" + run,
                            "--set", "topic.events=bench-events-" + run,
                            "--set", "topic.annotations=bench-annotations-" + run,
                            "--set", "topic.dlq=bench-dlq-" + run,
                            "--set", "state.dir=" + options.stateDir().resolve(aggregatorId),
                            "--set", "http.port=0",
                            "--set", "schema.registry.url=mem://bench",
                            "--set", "kafka.bootstrap.servers=" + options.bootstrapServers(),
                            // Internal topics whose segments never roll during the run, so that their sizes in
                            // Kafka are all the aggregator wrote (see TopicBytes).
                            "--set", "kafka.topic.segment.bytes=" + TopicBytes.SEGMENT_BYTES,
                            "--set", "kafka.topic.segment.ms=" + TopicBytes.SEGMENT_MS));
            return new Result(spans, produceSeconds, inputBytes, baseline, aggregator);
        }
    }

    private double produce(String topic, long traces, String run) {
        long sessions = options.sessionsInFlight() > 0 ? options.sessionsInFlight()
                : (traces + options.tracesPerSession() - 1) / options.tracesPerSession();
        Traffic traffic = new Traffic(42, new Traffic.Shape((int) Math.max(1, sessions), options.tracesPerSession(),
                options.spansPerTrace()), "backlog-" + run);
        return produce(options.bootstrapServers(), topic, traffic, traces);
    }

    /**
     * Creates topics and returns once every partition takes writes. A new partition's leader is known to the
     * controller before its broker serves it, and an idempotent producer that writes in between can be refused for
     * good (OutOfOrderSequenceException): so wait until each leader answers a ListOffsets request.
     */
    public static void createTopics(Admin admin, List<NewTopic> topics) throws Exception {
        admin.createTopics(topics).all().get(30, TimeUnit.SECONDS);
        Map<TopicPartition, OffsetSpec> partitions = new HashMap<>();
        for (NewTopic topic : topics) {
            for (int p = 0; p < topic.numPartitions(); p++) {
                partitions.put(new TopicPartition(topic.name(), p), OffsetSpec.latest());
            }
        }
        AtomicReference<ExecutionException> refused = new AtomicReference<>();
        boolean served = Poll.until(Duration.ofSeconds(30), POLL, () -> {
            try {
                admin.listOffsets(partitions).all().get(30, TimeUnit.SECONDS);
                return true;
            } catch (ExecutionException e) {
                refused.set(e);
                return false;
            }
        });
        if (!served) {
            throw refused.get();
        }
    }

    /**
     * Writes traces 0 to {@code traces - 1} of {@code traffic} straight to {@code topic}, one record per trace as
     * ingest writes them, one millisecond apart; returns the seconds it took.
     */
    public static double produce(String bootstrapServers, String topic, Traffic traffic, long traces) {
        long startNanos = System.currentTimeMillis() * 1_000_000L;
        return produce(bootstrapServers, topic, traces, "the backlog", t -> new ProducerRecord<>(topic,
                traffic.traceHex(t), traffic.trace(t, startNanos + t * 1_000_000L).toByteArray()));
    }

    /**
     * Writes records 0 to {@code count - 1} to {@code topic} as fast as one producer can, with ingest's compression
     * (a large batch and linger: only the throughput matters), and fails on the first error; returns the seconds it
     * took. {@code what} names the records in that error.
     */
    public static double produce(String bootstrapServers, String topic, long count, String what,
            LongFunction<ProducerRecord<String, byte[]>> record) {
        long start = System.nanoTime();
        AtomicReference<Exception> failure = new AtomicReference<>();
        Map<String, Object> props = new HashMap<>(KafkaSecurity.fromEnvironment());
        props.putAll(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.LINGER_MS_CONFIG, 20,
                ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024,
                ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4"));
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(props, new StringSerializer(),
                new ByteArraySerializer())) {
            for (long i = 0; i < count && failure.get() == null; i++) {
                producer.send(record.apply(i), (metadata, error) -> {
                    if (error != null) {
                        failure.compareAndSet(null, error);
                    }
                });
            }
            producer.flush();
        }
        if (failure.get() != null) {
            throw new IllegalStateException("Cannot write " + what + " to " + topic, failure.get());
        }
        return (System.nanoTime() - start) / 1e9;
    }

    /**
     * Runs an application on the backlog until it caught up, and measures it.
     *
     * @param groupId its application id: the consumer group, and the prefix of its internal topics
     * @param outputs the topics it writes besides its internal ones, with their names in the report
     */
    private Run measure(Admin admin, String name, String topic, long records, String groupId,
            Set<String> internalTopics, Map<String, String> outputs, String mainClass, List<String> args)
            throws Exception {
        progress.accept("Running " + name + "...");
        TopicBytes before = TopicBytes.measure(admin);
        try (ChildJvm child = ChildJvm.start(name, HEAP, options.logDir().resolve(groupId + ".log"), mainClass,
                args)) {
            AtomicLong firstCommitted = new AtomicLong(-1);
            AtomicLong firstAt = new AtomicLong();
            Optional<Run> run = Poll.forValue(options.timeout(), POLL, () -> {
                child.requireAlive();
                Map<TopicPartition, Long> committed = committed(admin, groupId);
                long source = committed.entrySet().stream().filter(e -> e.getKey().topic().equals(topic))
                        .mapToLong(Map.Entry::getValue).sum();
                if (firstCommitted.get() < 0 && source > 0) {
                    firstCommitted.set(source);
                    firstAt.set(System.nanoTime());
                }
                if (source < records || !drained(admin, committed, internalTopics)) {
                    return Optional.empty();
                }
                double seconds = (System.nanoTime() - firstAt.get()) / 1e9;
                double spansPerSecond = (records - firstCommitted.get()) * options.spansPerTrace() / seconds;
                long rss = child.peakRss();
                progress.accept(String.format(Locale.ROOT, "  %s: %,.0f spans/s, peak RSS %d MiB", name,
                        spansPerSecond, rss >> 20));
                return Optional.of(new Run(name, spansPerSecond, seconds, rss, Map.of()));
            });
            Run caughtUp = run.orElseThrow(() -> new IllegalStateException(name + " did not catch up within "
                    + options.timeout() + "; see " + child.log()));
            Map<String, Long> written = written(groupId, outputs, TopicBytes.measure(admin).grownSince(before,
                    t -> t.startsWith(groupId + "-") || outputs.containsKey(t)));
            progress.accept(String.format(Locale.ROOT, "  %s wrote %.1f MB to Kafka", name,
                    written.values().stream().mapToLong(Long::longValue).sum() / 1e6));
            return new Run(name, caughtUp.spansPerSecond(), caughtUp.seconds(), caughtUp.peakRssBytes(), written);
        }
    }

    /** The bytes by topic, internal topics named without {@code applicationId-}, outputs by their role. */
    static Map<String, Long> written(String applicationId, Map<String, String> outputs, Map<String, Long> grown) {
        Map<String, Long> named = new TreeMap<>();
        grown.forEach((topic, bytes) -> named.merge(outputs.getOrDefault(topic,
                topic.startsWith(applicationId + "-") ? topic.substring(applicationId.length() + 1) : topic), bytes,
                Long::sum));
        return named;
    }

    /** Records of {@code topic} that the consumer group {@code groupId} has not committed yet. */
    public static long lag(Admin admin, String groupId, String topic) throws Exception {
        Map<TopicPartition, Long> committed = committed(admin, groupId);
        Map<TopicPartition, OffsetSpec> latest = admin.describeTopics(List.of(topic)).allTopicNames()
                .get(30, TimeUnit.SECONDS).get(topic).partitions().stream()
                .collect(Collectors.toMap(p -> new TopicPartition(topic, p.partition()), p -> OffsetSpec.latest()));
        return admin.listOffsets(latest).all().get(30, TimeUnit.SECONDS).entrySet().stream()
                .mapToLong(e -> e.getValue().offset() - committed.getOrDefault(e.getKey(), 0L)).sum();
    }

    private static Map<TopicPartition, Long> committed(Admin admin, String groupId) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(groupId)
                .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
        Map<TopicPartition, Long> result = new HashMap<>();
        offsets.forEach((tp, om) -> {
            if (om != null) {
                result.put(tp, om.offset());
            }
        });
        return result;
    }

    /**
     * True when the group has read its repartition topics to the end. A transactional writer's last commit marker
     * takes an offset that no consumer commits past, so one offset per partition may remain.
     */
    private static boolean drained(Admin admin, Map<TopicPartition, Long> committed, Set<String> topics)
            throws Exception {
        List<TopicPartition> partitions = committed.keySet().stream().filter(tp -> topics.contains(tp.topic()))
                .collect(Collectors.toList());
        if (partitions.isEmpty()) {
            return false;
        }
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = admin.listOffsets(partitions.stream()
                .collect(Collectors.toMap(tp -> tp, tp -> OffsetSpec.latest()))).all().get(30, TimeUnit.SECONDS);
        return partitions.stream().allMatch(tp -> ends.get(tp).offset() - committed.get(tp) <= 1);
    }
}
