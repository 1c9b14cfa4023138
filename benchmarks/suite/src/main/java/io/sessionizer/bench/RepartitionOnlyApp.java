package io.sessionizer.bench;

import io.sessionizer.config.KafkaSecurity;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Repartitioned;

/**
 * The baseline of the aggregator benchmark: a Kafka Streams application that only repartitions the same records, under
 * the same processing guarantee, and does nothing else. Run as its own JVM so that its memory is measured alone.
 *
 * <p>Arguments: bootstrap servers, source topic, application id, state directory.
 */
public final class RepartitionOnlyApp {
    private RepartitionOnlyApp() {
    }

    public static void main(String[] args) throws InterruptedException {
        Properties props = new Properties();
        // TLS and SASL from the KAFKA_* variables, as the aggregator beside it reads them.
        props.putAll(KafkaSecurity.fromEnvironment());
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, args[2]);
        props.put(StreamsConfig.STATE_DIR_CONFIG, args[3]);
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        // The aggregator's producer compression, so that the bytes each writes per input byte compare.
        props.put(StreamsConfig.producerPrefix(ProducerConfig.COMPRESSION_TYPE_CONFIG), "lz4");
        // A repartition topic whose segments never roll during the run, so that its size is all it wrote (TopicBytes).
        props.put(StreamsConfig.topicPrefix(TopicConfig.SEGMENT_BYTES_CONFIG), TopicBytes.SEGMENT_BYTES);
        props.put(StreamsConfig.topicPrefix(TopicConfig.SEGMENT_MS_CONFIG), TopicBytes.SEGMENT_MS);
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream(args[1], Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("source"))
                .repartition(Repartitioned.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("baseline"))
                .foreach((key, value) -> { }, Named.as("discard"));
        KafkaStreams streams = new KafkaStreams(builder.build(), props);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            streams.close();
            stopped.countDown();
        }));
        streams.start();
        stopped.await();
    }
}
