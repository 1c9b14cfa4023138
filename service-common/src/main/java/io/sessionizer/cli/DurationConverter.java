package io.sessionizer.cli;

import io.sessionizer.config.Setting;
import java.time.Duration;

/** A command-line duration, written as settings write them: 500ms, 30s, 5m, 24h. */
public final class DurationConverter extends SettingConverter<Duration> {
    public DurationConverter() {
        super(Setting.duration("duration", "0s", "A duration"), "a duration such as 500ms, 30s or 5m");
    }
}
