package io.sessionizer.cli;

import io.sessionizer.config.Config;
import io.sessionizer.config.ConfigException;
import io.sessionizer.config.Setting;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** A command-line value written as the services' settings write it, parsed by the same {@link Setting}. */
abstract class SettingConverter<T> implements ITypeConverter<T> {
    private final Setting<T> setting;
    private final String expected;

    /** @param expected what a valid value looks like, for the error message: "a duration such as 30s" */
    SettingConverter(Setting<T> setting, String expected) {
        this.setting = setting;
        this.expected = expected;
    }

    @Override
    public T convert(String value) {
        try {
            return Config.load(List.of(setting), Map.of(), Map.of(setting.name(), value)).get(setting);
        } catch (ConfigException e) {
            throw new TypeConversionException("'" + value + "' is not " + expected);
        }
    }
}
