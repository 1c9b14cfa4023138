package io.sessionizer.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sessionizer.schemas.Turn;
import io.sessionizer.schemas.Turns;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

class AvroBinarySerdeTest {
    private final AvroBinarySerde<Turn> serde = AvroBinarySerde.of(Turn.class);

    @Test
    void shouldRoundTripARecordWithMicrosecondTimes() {
        Turn turn = Turns.sample();
        byte[] bytes = serde.serializer().serialize("t", turn);
        assertThat(serde.deserializer().deserialize("t", bytes)).isEqualTo(turn);
        assertThat(serde.serializer().serialize("t", null)).isNull();
    }

    @Test
    void shouldFailWithASerializationExceptionOnGarbage() {
        assertThatThrownBy(() -> serde.decode(new byte[] {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF}))
                .isInstanceOf(SerializationException.class);
    }

    @Test
    void shouldEncodeEachRecordAloneThoughTheThreadReusesItsBuffer() {
        Turn large = Turns.sample();
        large.setOutput(Turns.text("x".repeat(3 << 20)));
        Turn small = Turns.sample();
        byte[] first = serde.encode(small);
        assertThat(serde.decode(serde.encode(large))).isEqualTo(large);
        byte[] again = serde.encode(small);
        assertThat(again).as("nothing of the larger record before it").isEqualTo(first);
        assertThat(serde.decode(again)).isEqualTo(small);
        Turn failing = Turns.sample();
        failing.setTraceId(null);
        assertThatThrownBy(() -> serde.encode(failing)).isInstanceOf(SerializationException.class);
        assertThat(serde.encode(small)).as("after a failed encoding").isEqualTo(first);
    }
}
