package io.sessionizer.aggregator.errors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sessionizer.aggregator.AggregatorSettings;
import io.sessionizer.config.Config;
import io.sessionizer.config.ConfigException;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RecordLimitsTest {
    private static RecordLimits limits(Map<String, String> overrides) {
        return RecordLimits.fromConfig(Config.load(AggregatorSettings.all(), Map.of(), overrides));
    }

    @Test
    void shouldKeepTheDefaultRecordsWellUnderTheDefaultLimit() {
        RecordLimits limits = limits(Map.of());
        long largest = RecordLimits.largestValueBytes(limits.turnLimits(), 10_000);
        assertThat(limits.maxRecordBytes()).isEqualTo(1024 * 1024);
        // Half of it before issue 14; the LLM and tool calls a turn lists take most of the rest.
        assertThat(largest).as("worst case of the defaults").isLessThan(limits.maxValueBytes() * 9L / 10);
    }

    @Test
    void shouldRefuseTextLimitsThatCannotFitInARecordNamingTheSettings() {
        assertThatThrownBy(() -> limits(Map.of("turn.max-text-bytes", "600KiB")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("turn.max-text-bytes").hasMessageContaining("record.max-bytes")
                .hasMessageContaining("trace.max-spans");
        assertThat(limits(Map.of("turn.max-text-bytes", "600KiB", "record.max-bytes", "2MiB")).maxValueBytes())
                .isEqualTo(2 * 1024 * 1024 - RecordLimits.ENVELOPE_BYTES);
    }
}
