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
    void shouldOrderByEndTimeKeysNewestFirstAndReadTheSessionBack() {
        Bytes newer = StoreKeys.byEndTime(2_000, "default/a");
        assertThat(newer).isLessThan(StoreKeys.byEndTime(1_000, "default/a"));
        assertThat(StoreKeys.byEndTime(-5, "default/z")).isGreaterThan(StoreKeys.byEndTime(0, "default/z"));
        assertThat(StoreKeys.byEndTimeSession(newer)).isEqualTo("default/a");
        assertThat(StoreKeys.isByEndTimeKey(newer)).isTrue();
        assertThat(StoreKeys.isByEndTimeKey(Bytes.wrap(new byte[3]))).isFalse();
    }

    @Test
    void shouldFindTokenKeysByWordOrPrefixOnly() {
        Bytes key = StoreKeys.token("crêpes", "default/s", OtlpTraces.traceHex(1));
        assertThat(StoreKeys.tokenSession(key)).isEqualTo("default/s");
        Bytes exact = StoreKeys.tokenPrefix("crêpes", true);
        Bytes prefix = StoreKeys.tokenPrefix("crê", false);
        assertThat(key).isGreaterThanOrEqualTo(exact).isLessThanOrEqualTo(StoreKeys.tokenPrefixEnd(exact));
        assertThat(key).isGreaterThanOrEqualTo(prefix).isLessThanOrEqualTo(StoreKeys.tokenPrefixEnd(prefix));
        Bytes longerWord = StoreKeys.token("crêpesx", "default/s", OtlpTraces.traceHex(1));
        assertThat(longerWord).isGreaterThan(StoreKeys.tokenPrefixEnd(exact));
        assertThat(StoreKeys.token("crú", "default/s", OtlpTraces.traceHex(1)))
                .isGreaterThan(StoreKeys.tokenPrefixEnd(prefix));
    }

    @Test
    void shouldRecogniseOnlyTheTranscriptKeysOfTheSameSession() {
        Bytes key = StoreKeys.transcript("default/s", 5, OtlpTraces.traceHex(1));
        assertThat(StoreKeys.isTranscriptKeyOf(key, "default/s")).isTrue();
        assertThat(StoreKeys.isTranscriptKeyOf(key, "default/t")).isFalse();
        assertThat(StoreKeys.isTranscriptKeyOf(Bytes.wrap(new byte[3]), "default/s")).isFalse();
    }
}
