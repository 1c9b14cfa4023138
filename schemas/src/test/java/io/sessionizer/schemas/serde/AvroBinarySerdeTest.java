package io.sessionizer.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sessionizer.schemas.SessionEvent;
import io.sessionizer.schemas.SessionEventType;
import java.time.Instant;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

class AvroBinarySerdeTest {
    private final AvroBinarySerde<SessionEvent> serde = AvroBinarySerde.of(SessionEvent.class);

    @Test
    void shouldRoundTripARecordWithMicrosecondTimes() {
        SessionEvent event = SessionEvent.newBuilder().setTenant("default").setSessionId("s")
                .setType(SessionEventType.STARTED).setTime(Instant.parse("2026-11-23T10:15:30.123456Z"))
                .setTraceCount(1).build();
        byte[] bytes = serde.serializer().serialize("t", event);
        assertThat(serde.deserializer().deserialize("t", bytes)).isEqualTo(event);
        assertThat(serde.serializer().serialize("t", null)).isNull();
    }

    @Test
    void shouldFailWithASerializationExceptionOnGarbage() {
        assertThatThrownBy(() -> serde.decode(new byte[] {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF}))
                .isInstanceOf(SerializationException.class);
    }
}
