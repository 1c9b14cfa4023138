package io.sessionizer.schemas.serde;

import io.sessionizer.schemas.registry.SchemaRegistryClient;
import io.sessionizer.schemas.registry.SchemaRegistryException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.Decoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.ResolvingDecoder;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Avro in the Confluent wire format, for the published topics: byte {@code 0}, the writer schema's registry id as 4
 * bytes big-endian, then Avro binary; see "Wire format" in
 * https://docs.confluent.io/platform/current/schema-registry/fundamentals/serdes-develop/index.html.
 * Written here because Confluent's {@code KafkaAvroSerializer} ({@code io.confluent:*}) is not in the reachable Maven
 * registry. Subjects follow the TopicNameStrategy ({@code sessions-value}).
 *
 * <p>The schema is registered on the first record of each topic and its id cached; a reader resolves each writer id
 * once and reads with Avro schema resolution into the compiled class, so records written by older or newer schemas
 * still decode. Null stays null both ways, so tombstones pass through.
 *
 * <p>Failures are typed so that an exception handler can tell poison from an outage: malformed bytes and an id the
 * registry does not know are {@link SerializationException}s; a registry that cannot be reached or refuses the schema
 * throws {@link SchemaRegistryException}, which is no fault of the record. Safe to share between stream threads.
 */
public final class ConfluentAvroSerde<T extends SpecificRecord> implements Serde<T> {
    static final byte MAGIC_BYTE = 0;
    static final int HEADER_SIZE = 1 + Integer.BYTES;
    private static final int SCHEMA_NOT_FOUND = 40403;

    private final SchemaRegistryClient registry;
    private final String subjectSuffix;
    private final Schema schema;
    private final SpecificData data;
    private final DatumWriter<T> writer;
    /** The wire-format header (magic byte, schema id) of each topic's records, registered at first use. */
    private final Map<String, byte[]> headersByTopic = new ConcurrentHashMap<>();
    private final Map<Integer, DatumReader<T>> readersById = new ConcurrentHashMap<>();

    private ConfluentAvroSerde(SchemaRegistryClient registry, Class<T> type, String subjectSuffix) {
        this.registry = registry;
        this.subjectSuffix = subjectSuffix;
        this.data = SpecificData.getForClass(type);
        this.schema = data.getSchema(type);
        this.writer = new SpecificDatumWriter<>(schema, data);
    }

    /** For record values; the subject of topic {@code t} is {@code t-value}. */
    public static <T extends SpecificRecord> ConfluentAvroSerde<T> forValue(SchemaRegistryClient registry,
            Class<T> type) {
        return new ConfluentAvroSerde<>(registry, type, "-value");
    }

    public byte[] serialize(String topic, T value) {
        if (value == null) {
            return null;
        }
        // Outside the try: a registry that cannot be reached is an outage (SchemaRegistryException), not poison.
        byte[] header = header(topic);
        try {
            return ThreadEncoder.encode(writer, value, header);
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("Cannot encode " + schema.getFullName() + " for topic " + topic, e);
        }
    }

    private byte[] header(String topic) {
        byte[] header = headersByTopic.get(topic);
        if (header == null) {
            // Outside computeIfAbsent: the registry call blocks, and must not hold a map lock while it does.
            int id = registry.register(topic + subjectSuffix, schema);
            header = ByteBuffer.allocate(HEADER_SIZE).put(MAGIC_BYTE).putInt(id).array();
            headersByTopic.put(topic, header);
        }
        return header;
    }

    public T deserialize(String topic, byte[] bytes) {
        if (bytes == null) {
            return null;
        }
        if (bytes.length < HEADER_SIZE) {
            throw new SerializationException("Record of topic " + topic + " has " + bytes.length
                    + " bytes, fewer than the 5 of the Confluent wire format header");
        }
        if (bytes[0] != MAGIC_BYTE) {
            throw new SerializationException("Unknown magic byte " + bytes[0] + " in a record of topic " + topic
                    + ": not the Confluent wire format");
        }
        int id = ByteBuffer.wrap(bytes, 1, Integer.BYTES).getInt();
        DatumReader<T> reader = reader(id, topic);
        BinaryDecoder decoder =
                DecoderFactory.get().binaryDecoder(bytes, HEADER_SIZE, bytes.length - HEADER_SIZE, null);
        try {
            return reader.read(null, decoder);
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("Cannot decode a record of topic " + topic + " written with schema "
                    + id + " as " + schema.getFullName(), e);
        }
    }

    private DatumReader<T> reader(int id, String topic) {
        DatumReader<T> reader = readersById.get(id);
        if (reader == null) {
            Schema writerSchema;
            try {
                writerSchema = registry.schemaById(id);
            } catch (SchemaRegistryException e) {
                if (e.errorCode() == SCHEMA_NOT_FOUND) {
                    throw new SerializationException("A record of topic " + topic + " names schema id " + id
                            + ", which the Schema Registry does not know", e);
                }
                throw e;
            }
            reader = new BoundedReader<>(writerSchema, schema, data);
            readersById.put(id, reader);
        }
        return reader;
    }

    /**
     * Avro sizes a new array or map by the item count the bytes claim, so a record of a hundred bytes claiming a
     * billion items made the reader allocate gigabytes for 10 s before its EOF (found by
     * {@code ConfluentAvroSerdeFuzzTest}; the input is kept as {@code summary-claiming-a-huge-map}). This reader
     * starts small and grows as items are really read, so a false count ends in an EOF at once. It takes the resolving
     * path, since Avro's fast reader sizes collections by the claim without asking {@link #newArray}.
     */
    private static final class BoundedReader<T> extends SpecificDatumReader<T> {
        private static final int MAX_INITIAL_ITEMS = 1024;

        BoundedReader(Schema writer, Schema reader, SpecificData data) {
            super(writer, reader, data);
        }

        @Override
        @SuppressWarnings("unchecked")
        public T read(T reuse, Decoder in) throws IOException {
            ResolvingDecoder resolver = getResolver(getSchema(), getExpected());
            resolver.configure(in);
            T result = (T) read(reuse, getExpected(), resolver);
            resolver.drain();
            return result;
        }

        @Override
        protected Object newArray(Object old, int size, Schema schema) {
            return super.newArray(old, Math.min(size, MAX_INITIAL_ITEMS), schema);
        }

        @Override
        protected Object newMap(Object old, int size) {
            return super.newMap(old, Math.min(size, MAX_INITIAL_ITEMS));
        }
    }

    @Override
    public Serializer<T> serializer() {
        return this::serialize;
    }

    @Override
    public Deserializer<T> deserializer() {
        return this::deserialize;
    }
}
