package io.sessionizer.aggregator.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.sessionizer.testing.OtlpTraces;
import org.apache.kafka.common.utils.Bytes;
import org.junit.jupiter.api.Test;

class StoreKeysTest {
    @Test
    void shouldOrderTranscriptKeysByStartTimeThenTraceId() {
        String session = "default/s";
        assertThat(StoreKeys.transcript(session, 5, OtlpTraces.traceHex(9)))
                .isLessThan(StoreKeys.transcript(session, 6, OtlpTraces.traceHex(1)));
        assertThat(StoreKeys.transcript(session, 5, OtlpTraces.traceHex(1)))
                .isLessThan(StoreKeys.transcript(session, 5, OtlpTraces.traceHex(2)));
        assertThat(StoreKeys.transcript(session, -1, OtlpTraces.traceHex(1)))
                .isLessThan(StoreKeys.transcript(session, 0, OtlpTraces.traceHex(1)));
    }

    @Test
    void shouldKeepEverySessionsTurnsInsideItsOwnRange() {
        String session = "default/s";
        String longer = "default/s2";
        assertThat(StoreKeys.transcript(session, Long.MIN_VALUE, OtlpTraces.traceHex(0)))
                .isGreaterThanOrEqualTo(StoreKeys.transcriptFrom(session));
        assertThat(StoreKeys.transcript(session, Long.MAX_VALUE, OtlpTraces.traceHex(Integer.MAX_VALUE)))
                .isLessThanOrEqualTo(StoreKeys.transcriptTo(session));
        assertThat(StoreKeys.transcript(longer, 0, OtlpTraces.traceHex(1)))
                .isGreaterThan(StoreKeys.transcriptTo(session));
    }

    @Test
    void shouldRecogniseOnlyTheTranscriptKeysOfTheSameSession() {
        Bytes key = StoreKeys.transcript("default/s", 5, OtlpTraces.traceHex(1));
        assertThat(StoreKeys.isTranscriptKeyOf(key, "default/s")).isTrue();
        assertThat(StoreKeys.isTranscriptKeyOf(key, "default/t")).isFalse();
        assertThat(StoreKeys.isTranscriptKeyOf(Bytes.wrap(new byte[3]), "default/s")).isFalse();
    }
}
