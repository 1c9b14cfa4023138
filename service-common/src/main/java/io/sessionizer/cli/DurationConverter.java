package io.sessionizer.cli;

import io.sessionizer.config.Config;
import io.sessionizer.config.ConfigException;
import io.sessionizer.config.Setting;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** A command-line duration, written as settings write them: 500ms, 30s, 5m, 24h. */
public final class DurationConverter implements ITypeConverter<Duration> {
    private static final Setting<Duration> DURATION = Setting.duration("duration", "0s", "A duration");

    @Override
    public Duration convert(String value) {
        try {
            return Config.load(List.of(DURATION), Map.of(), Map.of(DURATION.name(), value)).get(DURATION);
        } catch (ConfigException e) {
            throw new TypeConversionException("'" + value + "' is not a duration such as 500ms, 30s or 5m");
        }
    }
}
