package io.sessionizer.cli;

import io.sessionizer.config.Setting;

/** A command-line size in bytes, written as settings write them: 512MiB, 2GiB, or bytes. */
public final class SizeConverter extends SettingConverter<Long> {
    public SizeConverter() {
        super(Setting.bytes("size", "0", "A size"), "a size such as 512MiB or 2GiB");
    }
}
