package io.sessionizer.testing;

import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;
import org.apache.logging.log4j.core.layout.PatternLayout;

/**
 * Everything this JVM logs through log4j2 from {@link #start} to {@link #close}, formatted with its logger, message
 * and stack trace: for tests that a secret never reaches a log. {@code levels} lowers the given loggers' levels for
 * the capture (e.g. {@code org.apache.kafka} to INFO, where clients and broker print their configuration), so that
 * the check sees more than the quiet test configuration shows; {@link #close} restores the configuration from its
 * file.
 */
public final class LogCapture implements AutoCloseable {
    private final LoggerContext context;
    private final Collector collector;

    private LogCapture(LoggerContext context, Collector collector) {
        this.context = context;
        this.collector = collector;
    }

    /** Starts capturing, with {@code levels} (logger name to level) set for the duration. */
    public static LogCapture start(Map<String, Level> levels) {
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        Configuration config = context.getConfiguration();
        Collector collector = new Collector(PatternLayout.newBuilder()
                .withConfiguration(config)
                .withPattern("%-5level %c [%t] %msg%n%throwable")
                .build());
        collector.start();
        config.addAppender(collector);
        levels.forEach((name, level) -> {
            LoggerConfig logger = config.getLoggers().get(name);
            if (logger == null) {
                config.addLogger(name, new LoggerConfig(name, level, true));
            } else {
                logger.setLevel(level);
            }
        });
        // Every logger that does not pass its events on to the root gets the appender too.
        config.getRootLogger().addAppender(collector, Level.ALL, null);
        config.getLoggers().values().stream()
                .filter(logger -> !logger.isAdditive())
                .forEach(logger -> logger.addAppender(collector, Level.ALL, null));
        context.updateLoggers();
        return new LogCapture(context, collector);
    }

    /** The events captured so far, one formatted text each. */
    public List<String> events() {
        return List.copyOf(collector.events);
    }

    /** The events captured so far, as one text. */
    public String text() {
        return String.join("", collector.events);
    }

    /** Stops capturing and reloads the logging configuration, which undoes the levels and the appender. */
    @Override
    public void close() {
        context.reconfigure();
        collector.stop();
    }

    private static final class Collector extends AbstractAppender {
        private final Queue<String> events = new ConcurrentLinkedQueue<>();

        Collector(PatternLayout layout) {
            super("sessionizer-log-capture", null, layout, true, Property.EMPTY_ARRAY);
        }

        @Override
        public void append(LogEvent event) {
            events.add(((PatternLayout) getLayout()).toSerializable(event));
        }
    }
}
