package io.sessionizer.launcher.local;

import java.io.IOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.Uuid;

/**
 * A real single-node Apache Kafka broker in KRaft mode (broker and controller in one process), run as a child JVM
 * from the {@code kafka_2.13} artifact on the launcher's own classpath. A child rather than in-process so that its
 * heap is bounded on its own and it shuts down through Kafka's own, tested path.
 */
public final class KafkaBroker implements AutoCloseable {
    /** Fits the local stack's few topics; Kafka's scripts default to 1 GiB. */
    private static final String HEAP = "-Xmx512m";
    private static final String LOG4J_CONFIG = "kafka-broker-log4j2.xml";

    private final ChildJvm process;
    private final String bootstrapServers;
    private final Path logFile;

    private KafkaBroker(ChildJvm process, String bootstrapServers, Path logFile) {
        this.process = process;
        this.bootstrapServers = bootstrapServers;
        this.logFile = logFile;
    }

    /** The server properties of a combined broker and controller listening on localhost. */
    static Properties serverProperties(int port, int controllerPort, Path logDir) {
        Properties p = new Properties();
        p.setProperty("process.roles", "broker,controller");
        p.setProperty("node.id", "1");
        p.setProperty("controller.quorum.bootstrap.servers", "localhost:" + controllerPort);
        p.setProperty("listeners", "PLAINTEXT://localhost:" + port + ",CONTROLLER://localhost:" + controllerPort);
        p.setProperty("advertised.listeners", "PLAINTEXT://localhost:" + port);
        p.setProperty("controller.listener.names", "CONTROLLER");
        p.setProperty("inter.broker.listener.name", "PLAINTEXT");
        p.setProperty("listener.security.protocol.map", "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT");
        p.setProperty("log.dirs", logDir.toAbsolutePath().toString());
        // One broker cannot hold more replicas; without these, exactly-once Streams (transactions) cannot start.
        p.setProperty("offsets.topic.replication.factor", "1");
        p.setProperty("transaction.state.log.replication.factor", "1");
        p.setProperty("transaction.state.log.min.isr", "1");
        p.setProperty("share.coordinator.state.topic.replication.factor", "1");
        p.setProperty("share.coordinator.state.topic.min.isr", "1");
        // A single consumer group member gains nothing from waiting for others to join.
        p.setProperty("group.initial.rebalance.delay.ms", "0");
        // After a crash, the restarted broker may register only once the controller (the same process) let its old
        // registration's session expire: 9 s by default, most of the time a restart takes. Broker and controller share
        // a JVM here, so heartbeats cross no network; 3 s still rides out a long GC pause.
        p.setProperty("broker.session.timeout.ms", "3000");
        p.setProperty("broker.heartbeat.interval.ms", "500");
        return p;
    }

    /**
     * Starts the broker with its data under {@code dataDir/kafka}, formatting that storage first when it was never
     * formatted, so a restart keeps every topic and offset. Output goes to {@code dataDir/logs/kafka.log}.
     */
    public static KafkaBroker start(String classpath, Path dataDir, int port, int controllerPort) throws IOException,
            InterruptedException {
        Path kafkaDir = dataDir.resolve("kafka");
        Path logFile = dataDir.resolve("logs").resolve("kafka.log");
        Files.createDirectories(kafkaDir);
        Files.createDirectories(logFile.getParent());
        Path propertiesFile = dataDir.resolve("kafka-server.properties");
        try (Writer w = Files.newBufferedWriter(propertiesFile)) {
            serverProperties(port, controllerPort, kafkaDir).store(w, "Written by 'sessionizer local' at each start");
        }

        if (!Files.exists(kafkaDir.resolve("meta.properties"))) {
            ChildJvm format = javaProcess(classpath, logFile, "kafka.tools.StorageTool", "format", "--standalone",
                    "-t", Uuid.randomUuid().toString(), "-c", propertiesFile.toString());
            int exitCode = format.onExit().join().exitValue();
            if (exitCode != 0) {
                throw new LocalStackException("Formatting the Kafka storage in " + kafkaDir + " failed (exit code "
                        + exitCode + "); see " + logFile);
            }
        }
        ChildJvm process = javaProcess(classpath, logFile, BrokerMain.class.getName(), propertiesFile.toString());
        return new KafkaBroker(process, "localhost:" + port, logFile);
    }

    private static ChildJvm javaProcess(String classpath, Path logFile, String mainClass, String... args)
            throws IOException {
        return ChildJvm.start("kafka", List.of(HEAP, "-Dlog4j2.configurationFile=" + LOG4J_CONFIG), classpath, logFile,
                mainClass, List.of(args));
    }

    /** Waits until the broker answers a metadata request; fails early when the process exits meanwhile. */
    public void awaitReady(Duration timeout) throws InterruptedException {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
            CompletableFuture<String> clusterId = admin
                    .describeCluster(new DescribeClusterOptions().timeoutMs((int) timeout.toMillis()))
                    .clusterId().toCompletionStage().toCompletableFuture();
            CompletableFuture.anyOf(clusterId, process.onExit()).get();
        } catch (ExecutionException e) {
            throw new LocalStackException("The Kafka broker at " + bootstrapServers + " did not answer within "
                    + timeout.toSeconds() + " s (" + e.getCause().getMessage() + "); see " + logFile);
        }
        if (process.onExit().isDone()) {
            throw new LocalStackException("The Kafka broker exited while starting (exit code "
                    + process.onExit().join().exitValue() + "); see " + logFile);
        }
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    public Path logFile() {
        return logFile;
    }

    public long pid() {
        return process.pid();
    }

    /** Completes when the broker process ends, for whatever reason. */
    public CompletableFuture<Process> onExit() {
        return process.onExit();
    }

    /** SIGTERM, which runs Kafka's controlled shutdown; SIGKILL only if that takes longer than a timeout. */
    @Override
    public void close() {
        process.close();
    }
}
