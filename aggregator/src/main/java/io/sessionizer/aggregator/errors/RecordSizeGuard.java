package io.sessionizer.aggregator.errors;

import java.util.Map;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Refuses to serialize a value larger than {@code record.max-bytes}. The bounds of
 * {@link io.sessionizer.aggregator.domain.TurnLimits} keep every record far below that, so this is the last line:
 * a record refused here never reaches {@code producer.send()}, where under exactly-once a too-large record would abort
 * the whole transaction; its {@link SerializationException} goes to the dead-letter handlers instead, and processing
 * carries on. A store write refused here fails the processor, whose record goes to the dead-letter topic likewise.
 */
public final class RecordSizeGuard {
    private RecordSizeGuard() {
    }

    /** The serde with its serializer guarded; its deserializer is the serde's own. */
    public static <T> Serde<T> of(Serde<T> serde, int maxValueBytes) {
        Serializer<T> inner = serde.serializer();
        Deserializer<T> deserializer = serde.deserializer();
        return Serdes.serdeFrom(new Guarded<>(inner, maxValueBytes), deserializer);
    }

    /** The serializer, guarded. */
    public static <T> Serializer<T> of(Serializer<T> serializer, int maxValueBytes) {
        return new Guarded<>(serializer, maxValueBytes);
    }

    /** Thrown for a value over the limit; a {@link SerializationException}, so the handlers treat it as one. */
    public static final class RecordTooLargeToWriteException extends SerializationException {
        RecordTooLargeToWriteException(String topic, int bytes, int max) {
            super("A value of " + bytes + " bytes for " + topic + " is larger than record.max-bytes allows ("
                    + max + " bytes for the value)");
        }
    }

    private record Guarded<T>(Serializer<T> inner, int max) implements Serializer<T> {
        @Override
        public void configure(Map<String, ?> configs, boolean isKey) {
            inner.configure(configs, isKey);
        }

        @Override
        public byte[] serialize(String topic, T data) {
            return check(topic, inner.serialize(topic, data));
        }

        @Override
        public byte[] serialize(String topic, Headers headers, T data) {
            return check(topic, inner.serialize(topic, headers, data));
        }

        private byte[] check(String topic, byte[] bytes) {
            if (bytes != null && bytes.length > max) {
                throw new RecordTooLargeToWriteException(topic, bytes.length, max);
            }
            return bytes;
        }

        @Override
        public void close() {
            inner.close();
        }
    }
}
