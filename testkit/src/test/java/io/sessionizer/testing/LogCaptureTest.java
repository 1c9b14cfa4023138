package io.sessionizer.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.apache.logging.log4j.Level;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The capture sees what is logged through SLF4J, at the levels it sets, with stack traces, and nothing after close. */
class LogCaptureTest {
    private static final Logger LOG = LoggerFactory.getLogger("io.sessionizer.testing.capture");

    @Test
    void shouldCaptureMessagesAndStackTracesAtTheLevelsItSetsUntilClosed() {
        LogCapture capture = LogCapture.start(Map.of("io.sessionizer", Level.DEBUG));
        try {
            LOG.debug("debug line {}", "one");
            LOG.warn("warn line", new IllegalStateException("the cause's message"));
        } finally {
            capture.close();
        }
        LOG.warn("after close");

        assertThat(capture.text())
                .contains("DEBUG io.sessionizer.testing.capture", "debug line one", "warn line",
                        "IllegalStateException: the cause's message")
                .doesNotContain("after close");
        assertThat(LOG.isDebugEnabled()).as("the level of the configuration file again").isFalse();
    }
}
