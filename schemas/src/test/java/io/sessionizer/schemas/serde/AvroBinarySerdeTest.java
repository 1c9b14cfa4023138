package io.sessionizer.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sessionizer.schemas.Cost;
import io.sessionizer.schemas.IoValue;
import io.sessionizer.schemas.TokenCount;
import io.sessionizer.schemas.Turn;
import io.sessionizer.schemas.TurnStatus;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

class AvroBinarySerdeTest {
    private final AvroBinarySerde<Turn> serde = AvroBinarySerde.of(Turn.class);

    @Test
    void shouldRoundTripARecordWithMicrosecondTimes() {
        Turn turn = Turn.newBuilder()
                .setTenant("default").setSessionId("s").setTraceId("0af7651916cd43dd8448eb211c80319c")
                .setStartTime(Instant.parse("2026-11-23T10:15:30.123456Z"))
                .setEndTime(Instant.parse("2026-11-23T10:15:31.000001Z"))
                .setInput(new IoValue("hi", "text/plain", false, null)).setOutput(null)
                .setStatus(TurnStatus.OK).setSpanCount(3)
                .setTokenCount(new TokenCount(1L, 2L, 3L)).setCost(new Cost(0.1, 0.2, 0.3))
                .setModels(List.of("gpt-4o")).setUpdatedAt(Instant.parse("2026-11-23T10:15:32Z"))
                .build();
        byte[] bytes = serde.serializer().serialize("t", turn);
        assertThat(serde.deserializer().deserialize("t", bytes)).isEqualTo(turn);
        assertThat(serde.serializer().serialize("t", null)).isNull();
    }

    @Test
    void shouldFailWithASerializationExceptionOnGarbage() {
        assertThatThrownBy(() -> serde.decode(new byte[] {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF}))
                .isInstanceOf(SerializationException.class);
    }
}
