package io.sessionizer.deploy.bench;

import io.sessionizer.aggregator.AggregatorMain;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
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
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * How fast the aggregator catches up on a backlog under exactly-once, against the limit of the same machine: a plain
 * Kafka Streams application that only repartitions the same records. Both run as child JVMs, one after the other, on
 * the same backlog; each is timed from its first committed offset to the moment its consumer group has nothing left
 * to read, and its peak resident memory (VmHWM) is read from /proc.
 */
@Command(name = "bench-backlog",
        description = "Aggregator catch-up on a backlog under exactly-once, against a repartition-only baseline.")
public final class BacklogBenchmark implements Callable<Integer> {
    private static final Duration POLL = Duration.ofMillis(250);

    @Option(names = "--bootstrap-servers", defaultValue = "localhost:9092", description = "Kafka (default: ${DEFAULT-VALUE}).")
    String bootstrapServers;

    @Option(names = "--spans", defaultValue = "1000000", description = "Spans in the backlog (default: ${DEFAULT-VALUE}).")
    long spans;

    @Option(names = "--spans-per-trace", defaultValue = "5", description = "Spans per trace (default: ${DEFAULT-VALUE}).")
    int spansPerTrace;

    @Option(names = "--traces-per-session", defaultValue = "10", description = "Turns per session (default: ${DEFAULT-VALUE}).")
    int tracesPerSession;

    @Option(names = "--partitions", defaultValue = "6", description = "Partitions of the backlog topic (default: ${DEFAULT-VALUE}).")
    int partitions;

    @Option(names = "--work-dir", defaultValue = "${sys:sessionizer.data-dir:-data}/bench", description = "State and logs of the runs (default: ${DEFAULT-VALUE}).")
    Path workDir;

    @Option(names = "--timeout", defaultValue = "PT20M", description = "Give up a run after this long (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    record Run(String name, double spansPerSecond, double seconds, long peakRssBytes) {
    }

    @Override
    public Integer call() throws Exception {
        String run = Long.toString(System.currentTimeMillis(), 36);
        String topic = "bench-spans-" + run;
        Files.createDirectories(workDir);
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get(30, TimeUnit.SECONDS);
            long traces = spans / spansPerTrace;
            double produceSeconds = produce(topic, traces);
            System.out.printf(Locale.ROOT, "Backlog: %,d spans in %,d traces on %s, produced in %.1f s%n",
                    traces * spansPerTrace, traces, topic, produceSeconds);

            String baselineId = "bench-baseline-" + run;
            Run baseline = measure(admin, "repartition-only baseline", topic, traces, baselineId,
                    Set.of(baselineId + "-baseline-repartition"), javaCommand(RepartitionOnlyApp.class.getName(),
                            bootstrapServers, topic, baselineId, workDir.resolve(baselineId).toString()));
            String aggregatorId = "bench-aggregator-" + run;
            Run aggregator = measure(admin, "aggregator", topic, traces, aggregatorId,
                    Set.of(aggregatorId + "-turns-by-session-repartition"), javaCommand(AggregatorMain.class.getName(),
                            "--set", "application.id=" + aggregatorId,
                            "--set", "topic.spans=" + topic,
                            "--set", "topic.sessions=bench-sessions-" + run,
                            "--set", "topic.turns=bench-turns-" + run,
                            "--set", "topic.events=bench-events-" + run,
                            "--set", "state.dir=" + workDir.resolve(aggregatorId),
                            "--set", "http.port=0",
                            "--set", "schema.registry.url=mem://bench",
                            "--set", "kafka.bootstrap.servers=" + bootstrapServers));

            System.out.println();
            System.out.println("| application (exactly_once_v2) | spans/s | catch-up s | peak RSS MiB | ratio to baseline |");
            System.out.println("| --- | ---: | ---: | ---: | ---: |");
            for (Run r : List.of(baseline, aggregator)) {
                System.out.printf(Locale.ROOT, "| %s | %,.0f | %.1f | %d | %.2f |%n", r.name(), r.spansPerSecond(),
                        r.seconds(), r.peakRssBytes() >> 20, r.spansPerSecond() / baseline.spansPerSecond());
            }
        }
        return 0;
    }

    private double produce(String topic, long traces) throws Exception {
        Traffic traffic = new Traffic(42, spansPerTrace, tracesPerSession);
        long start = System.nanoTime();
        long startNanos = System.currentTimeMillis() * 1_000_000L;
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.LINGER_MS_CONFIG, 20,
                ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024,
                ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4"), new StringSerializer(), new ByteArraySerializer())) {
            for (long t = 0; t < traces; t++) {
                producer.send(new ProducerRecord<>(topic, Traffic.traceHex(t),
                        traffic.trace(t, startNanos + t * 1_000_000L).toByteArray()));
            }
            producer.flush();
        }
        return (System.nanoTime() - start) / 1e9;
    }

    private Run measure(Admin admin, String name, String topic, long records, String groupId,
            Set<String> internalTopics, List<String> command) throws Exception {
        System.out.printf("Running %s...%n", name);
        Path log = workDir.resolve(groupId + ".log");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            long deadline = System.nanoTime() + timeout.toNanos();
            long firstCommitted = -1;
            long firstAt = 0;
            while (System.nanoTime() < deadline) {
                if (!process.isAlive()) {
                    throw new IllegalStateException(name + " exited with " + process.exitValue() + "; see " + log);
                }
                Map<TopicPartition, Long> committed = committed(admin, groupId);
                long source = committed.entrySet().stream().filter(e -> e.getKey().topic().equals(topic))
                        .mapToLong(Map.Entry::getValue).sum();
                if (firstCommitted < 0 && source > 0) {
                    firstCommitted = source;
                    firstAt = System.nanoTime();
                }
                if (source >= records && drained(admin, committed, internalTopics)) {
                    double seconds = (System.nanoTime() - firstAt) / 1e9;
                    double spansPerSecond = (records - firstCommitted) * spansPerTrace / seconds;
                    long rss = peakRss(process.pid());
                    System.out.printf(Locale.ROOT, "  %s: %,.0f spans/s, peak RSS %d MiB%n", name, spansPerSecond,
                            rss >> 20);
                    return new Run(name, spansPerSecond, seconds, rss);
                }
                Thread.sleep(POLL.toMillis());
            }
            throw new IllegalStateException(name + " did not catch up within " + timeout + "; see " + log);
        } finally {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
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

    /** Peak resident set size of a process, from /proc (Linux). */
    static long peakRss(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("\\D+", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    private static List<String> javaCommand(String mainClass, String... args) {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g", "-cp", System.getProperty("java.class.path"), mainClass));
        command.addAll(List.of(args));
        return command;
    }
}
