package io.sessionizer.jmh;

import io.sessionizer.schemas.registry.InMemorySchemaRegistry;
import io.sessionizer.schemas.serde.AvroBinarySerde;
import io.sessionizer.schemas.serde.ConfluentAvroSerde;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;

/**
 * Avro encoding of a published record in the Confluent wire format ({@link ConfluentAvroSerde}, the serializer of
 * {@code sessions} and {@code session-turns}) and in the plain binary of stores and repartition topics ({@link
 * AvroBinarySerde}), of a 10-turn session's summary and of one turn. The baseline is Avro alone: a plain {@link
 * SpecificDatumWriter} into a reused buffered encoder and stream, copied out as the byte array a serializer returns.
 */
public class AvroSerdeBenchmark extends HotPathBenchmark {
    @Param({"SessionSummary", "Turn"})
    public String record;

    private SpecificRecord value;
    private String topic;
    private ConfluentAvroSerde<SpecificRecord> confluent;
    private AvroBinarySerde<SpecificRecord> binary;
    private SpecificDatumWriter<SpecificRecord> writer;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
    private BinaryEncoder encoder;

    @Setup
    @SuppressWarnings("unchecked")
    public void setUp() {
        BenchmarkData.Session session = BenchmarkData.session();
        value = switch (record) {
            case "SessionSummary" -> session.summary();
            case "Turn" -> session.turns().get(session.turns().size() - 1);
            default -> throw new IllegalArgumentException(record);
        };
        topic = record.equals("Turn") ? "session-turns" : "sessions";
        Class<SpecificRecord> type = (Class<SpecificRecord>) value.getClass();
        confluent = ConfluentAvroSerde.forValue(InMemorySchemaRegistry.named("benchmarks"), type);
        binary = AvroBinarySerde.of(type);
        writer = new SpecificDatumWriter<>(value.getSchema());
    }

    @Benchmark
    public byte[] baseline() throws IOException {
        out.reset();
        encoder = EncoderFactory.get().binaryEncoder(out, encoder);
        writer.write(value, encoder);
        encoder.flush();
        return out.toByteArray();
    }

    @Benchmark
    public byte[] confluentWireFormat() {
        return confluent.serialize(topic, value);
    }

    @Benchmark
    public byte[] plainBinarySerde() {
        return binary.encode(value);
    }
}
