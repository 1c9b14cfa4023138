package io.sessionizer.config;

/** A configuration value that is missing, unknown or malformed; the message names the key and where it came from. */
public final class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message);
    }
}
