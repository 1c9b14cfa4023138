package io.sessionizer.aggregator.errors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sessionizer.testing.KafkaTestCluster;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code StackOverflowError} of issue 11, reduced to a two-record processor on the real broker. It is Kafka's
 * (Streams 4.3.1), not ours, and needs only a dead-letter topic, the shipped handlers and a source record larger than
 * the Streams producer's {@code max.request.size} (which the broker took because the client compressed it):
 * <ol>
 *   <li>The first output record is too large: {@code KafkaProducer.doSend} refuses it itself and calls the callback
 *       synchronously; {@code RecordCollectorImpl.recordSendError} records the failure.</li>
 *   <li>The next {@code send} of the same input rethrows that failure and clears it ({@code checkForException}); the
 *       processing handler takes it and continues, with a dead letter that carries the whole source record, still
 *       held by the forwarded record's context (only the sink's own context is freed before a send).</li>
 *   <li>That dead letter is as large as the source, so the producer refuses it synchronously too; the callback finds
 *       no recorded failure, and {@code recordSendError} sends the production handler's dead letter, the same source
 *       record again, from inside the callback, before it records anything: {@code recordSendError} &rarr;
 *       {@code send} &rarr; {@code doSend} &rarr; callback &rarr; {@code recordSendError}, until the stack ends.</li>
 * </ol>
 * Our handlers bound every dead letter (DeadLetters) and refuse too-large output before it reaches the producer
 * (RecordSizeGuard), so the same input goes to the dead-letter topic and the application carries on. See
 * docs/adr/001-record-size-bounds.md.
 */
class DeadLetterRecursionIT {
    private static final KafkaTestCluster KAFKA = KafkaTestCluster.shared();
    /** Over the Streams producer's default max.request.size (1 MiB), under the broker's limit once lz4-compressed. */
    private static final int LARGE = 1_100_000;

    @TempDir
    Path stateDir;

    @Test
    void kafkasOwnHandlerRecursesUntilTheStackOverflowsOnATooLargeSourceRecord() throws Exception {
        String in = KafkaTestCluster.uniqueName("recursion-in");
        String out = KafkaTestCluster.uniqueName("recursion-out");
        String dlq = KafkaTestCluster.uniqueName("recursion-dlq");
        KAFKA.createTopics(1, in, out, dlq);
        produce(in, text(LARGE));

        Properties props = properties(in);
        // As the aggregator was configured before: dead letters, Kafka's own handlers, processing errors continue.
        props.put(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG, dlq);
        props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG,
                org.apache.kafka.streams.errors.LogAndContinueProcessingExceptionHandler.class.getName());
        props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, true);
        AtomicReference<Throwable> died = new AtomicReference<>();
        try (KafkaStreams streams = new KafkaStreams(twoForwards(in, out), props)) {
            streams.setUncaughtExceptionHandler(e -> {
                died.compareAndSet(null, e);
                return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
            });
            streams.start();
            await().atMost(Duration.ofSeconds(60)).until(() -> died.get() != null);
        }
        assertThat(causes(died.get())).anyMatch(StackOverflowError.class::isInstance);
    }

    @Test
    void ourHandlersSendTheSameRecordToTheDeadLetterTopicAndCarryOn() throws Exception {
        String in = KafkaTestCluster.uniqueName("bounded-in");
        String out = KafkaTestCluster.uniqueName("bounded-out");
        String dlq = KafkaTestCluster.uniqueName("bounded-dlq");
        KAFKA.createTopics(1, in, out, dlq);
        produce(in, text(LARGE));
        produce(in, "small".getBytes(StandardCharsets.UTF_8));

        int maxRecordBytes = 1024 * 1024;
        Properties props = properties(in);
        props.put(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG, dlq);
        props.put(StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterProductionHandler.class.getName());
        props.put(DeadLetters.MAX_RECORD_BYTES_CONFIG, Integer.toString(maxRecordBytes));
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream(in, Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()))
                .to(out, Produced.with(Serdes.ByteArray(),
                        RecordSizeGuard.of(Serdes.ByteArray(), maxRecordBytes - 64 * 1024)));
        AtomicReference<Throwable> died = new AtomicReference<>();
        try (KafkaStreams streams = new KafkaStreams(builder.build(), props)) {
            streams.setUncaughtExceptionHandler(e -> {
                died.compareAndSet(null, e);
                return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
            });
            streams.start();
            List<ConsumerRecord<byte[], byte[]>> passed = KAFKA.consume(out, 1, Duration.ofSeconds(60));
            assertThat(new String(passed.get(0).value(), StandardCharsets.UTF_8)).isEqualTo("small");
            List<ConsumerRecord<byte[], byte[]>> dead = KAFKA.consume(dlq, 1, Duration.ofSeconds(60));
            assertThat(dead.get(0).serializedValueSize()).isLessThan(maxRecordBytes);
            assertThat(new String(dead.get(0).headers().lastHeader(DeadLetters.REASON_HEADER).value(),
                    StandardCharsets.UTF_8)).contains("record.max-bytes");
            assertThat(streams.state()).isEqualTo(KafkaStreams.State.RUNNING);
        }
        assertThat(died.get()).isNull();
    }

    private Properties properties(String in) {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, in + "-app");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers());
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        props.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
        return props;
    }

    /**
     * For each input, its value and then a small record, both as new records (new timestamps), the way a Processor
     * API processor forwards what it derived: each carries the task's source record for error handling.
     */
    private static org.apache.kafka.streams.Topology twoForwards(String in, String out) {
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream(in, Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()))
                .process(() -> new Processor<byte[], byte[], byte[], byte[]>() {
                    private ProcessorContext<byte[], byte[]> context;

                    @Override
                    public void init(ProcessorContext<byte[], byte[]> context) {
                        this.context = context;
                    }

                    @Override
                    public void process(Record<byte[], byte[]> record) {
                        context.forward(record.withTimestamp(record.timestamp() + 1));
                        context.forward(record.withValue(new byte[] {1}).withTimestamp(record.timestamp() + 2));
                    }
                })
                .to(out, Produced.with(Serdes.ByteArray(), Serdes.ByteArray()));
        return builder.build();
    }

    /** Text that lz4 shrinks far below the broker's 1 MiB limit, as the ingest's producer does with a long prompt. */
    private static byte[] text(int bytes) {
        byte[] value = new byte[bytes];
        byte[] word = "a long document in a RAG prompt ".getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < bytes; i++) {
            value[i] = word[i % word.length];
        }
        return value;
    }

    private static void produce(String topic, byte[] value) throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers(),
                ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4",
                ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 4 * 1024 * 1024),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(topic, "key".getBytes(StandardCharsets.UTF_8), value)).get();
        }
    }

    private static List<Throwable> causes(Throwable error) {
        List<Throwable> causes = new ArrayList<>();
        for (Throwable t = error; t != null && !causes.contains(t); t = t.getCause()) {
            causes.add(t);
        }
        return causes;
    }
}
