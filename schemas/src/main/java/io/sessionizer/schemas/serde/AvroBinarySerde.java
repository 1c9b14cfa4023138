package io.sessionizer.schemas.serde;

import java.io.IOException;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Plain Avro binary, no schema id: for the aggregator's own stores and repartition topics, which only this
 * application reads and which always carry the schema compiled into it. Published topics use the Confluent wire
 * format instead. Safe to share between stream threads: the datum reader and writer are, and encoders are per thread
 * ({@link ThreadEncoder}).
 */
public final class AvroBinarySerde<T extends SpecificRecord> implements Serde<T> {
    private static final byte[] NO_PREFIX = new byte[0];
    private final DatumWriter<T> writer;
    private final DatumReader<T> reader;

    private AvroBinarySerde(Class<T> type) {
        SpecificData data = SpecificData.getForClass(type);
        this.writer = new SpecificDatumWriter<>(data.getSchema(type), data);
        this.reader = new SpecificDatumReader<>(data.getSchema(type), data.getSchema(type), data);
    }

    public static <T extends SpecificRecord> AvroBinarySerde<T> of(Class<T> type) {
        return new AvroBinarySerde<>(type);
    }

    public byte[] encode(T value) {
        if (value == null) {
            return null;
        }
        try {
            return ThreadEncoder.encode(writer, value, NO_PREFIX);
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("Cannot encode " + value.getSchema().getFullName(), e);
        }
    }

    public T decode(byte[] bytes) {
        if (bytes == null) {
            return null;
        }
        BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(bytes, null);
        try {
            return reader.read(null, decoder);
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("Cannot decode Avro record of " + bytes.length + " bytes", e);
        }
    }

    @Override
    public Serializer<T> serializer() {
        return (topic, value) -> encode(value);
    }

    @Override
    public Deserializer<T> deserializer() {
        return (topic, bytes) -> decode(bytes);
    }
}
