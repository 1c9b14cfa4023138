package io.sessionizer.config;

import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One configuration key: its name, default, parser and documentation. The environment variable is derived from the
 * name ({@code session.idle-timeout} → {@code SESSIONIZER_SESSION_IDLE_TIMEOUT}), so the two can never disagree.
 */
public final class Setting<T> {
    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");

    private final String name;
    private final String defaultText;
    private final Function<String, T> parser;
    private final String doc;

    private Setting(String name, String defaultText, Function<String, T> parser, String doc) {
        this.name = Objects.requireNonNull(name);
        this.defaultText = defaultText;
        this.parser = parser;
        this.doc = doc;
    }

    public static Setting<String> string(String name, String defaultValue, String doc) {
        return new Setting<>(name, defaultValue, s -> s, doc);
    }

    public static Setting<Integer> integer(String name, int defaultValue, int min, int max, String doc) {
        return new Setting<>(name, Integer.toString(defaultValue), s -> {
            int value;
            try {
                value = Integer.parseInt(s.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("not an integer");
            }
            if (value < min || value > max) {
                throw new IllegalArgumentException("must be between " + min + " and " + max);
            }
            return value;
        }, doc);
    }

    public static Setting<Integer> port(String name, int defaultValue, String doc) {
        return integer(name, defaultValue, 0, 65535, doc);
    }

    /** A size in bytes, with an optional binary suffix: {@code 4MiB}, {@code 512KiB}, {@code 1GiB}, {@code 1048576}. */
    public static Setting<Long> bytes(String name, String defaultValue, String doc) {
        return new Setting<>(name, defaultValue, Setting::parseBytes, doc);
    }

    /** A duration such as {@code 500ms}, {@code 30s}, {@code 30m}, {@code 2h}, {@code 7d}, or ISO-8601 {@code PT30M}. */
    public static Setting<Duration> duration(String name, String defaultValue, String doc) {
        return new Setting<>(name, defaultValue, Setting::parseDuration, doc);
    }

    public static Setting<Path> path(String name, String defaultValue, String doc) {
        return new Setting<>(name, defaultValue, Path::of, doc);
    }

    public static Setting<Boolean> bool(String name, boolean defaultValue, String doc) {
        return new Setting<>(name, Boolean.toString(defaultValue), s -> switch (s.trim().toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException("must be true or false");
        }, doc);
    }

    /** A comma-separated list; blank entries are dropped. */
    public static Setting<List<String>> list(String name, String defaultValue, String doc) {
        return new Setting<>(name, defaultValue,
                s -> Arrays.stream(s.split(",")).map(String::trim).filter(e -> !e.isEmpty()).toList(), doc);
    }

    /**
     * A setting of a type of its own: {@code parser} turns the text into the value and throws
     * IllegalArgumentException, whose message says what is wrong, for a text it refuses.
     */
    public static <T> Setting<T> of(String name, String defaultValue, Function<String, T> parser, String doc) {
        return new Setting<>(name, defaultValue, parser, doc);
    }

    public String name() {
        return name;
    }

    /** The default as written in the documentation, or null when the key has none. */
    public String defaultText() {
        return defaultText;
    }

    public String doc() {
        return doc;
    }

    public String envName() {
        return Config.ENV_PREFIX + name.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    T parse(String raw, String source) {
        try {
            return parser.apply(raw);
        } catch (RuntimeException e) {
            throw new ConfigException("Invalid value '" + raw + "' for " + name + " (from " + source + "): "
                    + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
        }
    }

    /**
     * A size as {@link #bytes} reads it, for settings whose entries hold sizes; throws IllegalArgumentException for a
     * text that is not one.
     */
    public static long parseBytes(String raw) {
        String s = raw.trim();
        long unit = 1;
        String[][] suffixes = {{"GiB", "1073741824"}, {"MiB", "1048576"}, {"KiB", "1024"}, {"B", "1"}};
        for (String[] suffix : suffixes) {
            if (s.endsWith(suffix[0])) {
                unit = Long.parseLong(suffix[1]);
                s = s.substring(0, s.length() - suffix[0].length()).trim();
                break;
            }
        }
        try {
            long value = Long.parseLong(s);
            if (value < 0) {
                throw new IllegalArgumentException("must not be negative");
            }
            return Math.multiplyExact(value, unit);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("not a size (examples: 4MiB, 512KiB, 1048576)");
        }
    }

    static Duration parseDuration(String raw) {
        String s = raw.trim();
        Matcher m = DURATION.matcher(s);
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            return switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            };
        }
        try {
            return Duration.parse(s);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("not a duration (examples: 500ms, 30s, 30m, 2h, 7d, PT30M)");
        }
    }
}
