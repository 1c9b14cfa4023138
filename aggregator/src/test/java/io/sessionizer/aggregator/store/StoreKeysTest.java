package io.sessionizer.aggregator.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.sessionizer.aggregator.Otlp;
import org.junit.jupiter.api.Test;

class StoreKeysTest {
    @Test
    void shouldOrderTranscriptKeysByStartTimeThenTraceId() {
        String session = "default/s";
        assertThat(StoreKeys.transcript(session, 5, Otlp.traceHex(9)))
                .isLessThan(StoreKeys.transcript(session, 6, Otlp.traceHex(1)));
        assertThat(StoreKeys.transcript(session, 5, Otlp.traceHex(1)))
                .isLessThan(StoreKeys.transcript(session, 5, Otlp.traceHex(2)));
        assertThat(StoreKeys.transcript(session, -1, Otlp.traceHex(1)))
                .isLessThan(StoreKeys.transcript(session, 0, Otlp.traceHex(1)));
    }

    @Test
    void shouldKeepEverySessionsTurnsInsideItsOwnRange() {
        String session = "default/s";
        String longer = "default/s2";
        assertThat(StoreKeys.transcript(session, Long.MIN_VALUE, Otlp.traceHex(0)))
                .isGreaterThanOrEqualTo(StoreKeys.transcriptFrom(session));
        assertThat(StoreKeys.transcript(session, Long.MAX_VALUE, Otlp.traceHex(Integer.MAX_VALUE)))
                .isLessThanOrEqualTo(StoreKeys.transcriptTo(session));
        assertThat(StoreKeys.transcript(longer, 0, Otlp.traceHex(1)))
                .isGreaterThan(StoreKeys.transcriptTo(session));
    }
}
