package io.sessionizer.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.sessionizer.schemas.SessionEvent;
import io.sessionizer.schemas.SessionSummary;
import io.sessionizer.schemas.Turn;
import io.sessionizer.schemas.registry.InMemorySchemaRegistry;
import java.util.List;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;

/**
 * Any bytes read as any published record are either a value or a {@link SerializationException} (what the
 * deserialization exception handler sends to the dead-letter topic), never another exception; a value read
 * writes and reads back the same. The three schemas are registered as ids 1 to 3, so that fuzzed headers can name them.
 * Committed inputs under {@code ConfluentAvroSerdeFuzzTestInputs} run in every build.
 */
class ConfluentAvroSerdeFuzzTest {
    private static final String TOPIC = "fuzzed";
    private static final List<ConfluentAvroSerde<? extends SpecificRecord>> SERDES = serdes();

    private static List<ConfluentAvroSerde<? extends SpecificRecord>> serdes() {
        InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
        List<ConfluentAvroSerde<? extends SpecificRecord>> serdes = List.of(
                ConfluentAvroSerde.forValue(registry, Turn.class),
                ConfluentAvroSerde.forValue(registry, SessionEvent.class),
                ConfluentAvroSerde.forValue(registry, SessionSummary.class));
        registry.register("turn-value", Turn.getClassSchema());
        registry.register("event-value", SessionEvent.getClassSchema());
        registry.register("summary-value", SessionSummary.getClassSchema());
        return serdes;
    }

    @FuzzTest
    void deserialize(byte[] bytes) {
        for (ConfluentAvroSerde<? extends SpecificRecord> serde : SERDES) {
            roundTrip(serde, bytes);
        }
    }

    private static <T extends SpecificRecord> void roundTrip(ConfluentAvroSerde<T> serde, byte[] bytes) {
        T value;
        try {
            value = serde.deserialize(TOPIC, bytes);
        } catch (SerializationException e) {
            return;
        }
        if (value != null) {
            // Compared as bytes: Avro's equals has NaN unequal to itself, and a fuzzed Cost may well be NaN.
            byte[] written = serde.serialize(TOPIC, value);
            assertThat(serde.serialize(TOPIC, serde.deserialize(TOPIC, written))).isEqualTo(written);
        }
    }
}
