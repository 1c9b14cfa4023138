package io.sessionizer.auth;

import io.sessionizer.config.Config;
import io.sessionizer.config.ConfigException;
import io.sessionizer.config.Setting;
import io.sessionizer.schemas.records.RecordContract;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * Maps API keys to tenants. Without keys every request belongs to {@value RecordContract#DEFAULT_TENANT}; with keys,
 * a request must carry {@code Authorization: Bearer <key>}.
 *
 * <p>Keys are kept only as SHA-256 digests and every digest is compared on each lookup, with
 * {@link MessageDigest#isEqual}, so that the time taken says nothing about how much of a key was right. Keys never
 * appear in messages or logs.
 */
public final class ApiKeys {
    /** The same keys for every service, so that a key that may send spans may also read its sessions. */
    public static final Setting<List<String>> KEYS = Setting.list("auth.api-keys", "",
            "API keys as comma-separated key=tenant pairs. With any key configured (here or in the file), every "
                    + "request needs 'Authorization: Bearer <key>' and the key fixes the tenant.");
    public static final Setting<String> KEYS_FILE = Setting.string("auth.api-keys-file", "",
            "A properties file of key=tenant lines, read at start; empty for none.");
    private static final String BEARER = "bearer ";

    private final List<Entry> entries;

    private record Entry(byte[] digest, String tenant) {
    }

    private ApiKeys(List<Entry> entries) {
        this.entries = entries;
    }

    public static List<Setting<?>> settings() {
        return List.of(KEYS, KEYS_FILE);
    }

    /** The keys {@link #KEYS} and {@link #KEYS_FILE} configure. */
    public static ApiKeys fromConfig(Config config) {
        return of(config.get(KEYS), KEYS.name(), config.get(KEYS_FILE));
    }

    /** No keys: authentication is off. */
    public static ApiKeys none() {
        return new ApiKeys(List.of());
    }

    /**
     * Keys from {@code key=tenant} entries and from a properties file of the same pairs (either may be empty).
     *
     * @param source names where the entries came from, for error messages
     */
    public static ApiKeys of(List<String> entries, String source, String file) {
        Map<String, String> keys = new LinkedHashMap<>();
        for (String entry : entries) {
            int eq = entry.lastIndexOf('=');
            if (eq <= 0 || eq == entry.length() - 1) {
                throw new ConfigException("Invalid entry in " + source + ": expected key=tenant");
            }
            put(keys, entry.substring(0, eq).trim(), entry.substring(eq + 1).trim(), source);
        }
        if (file != null && !file.isBlank()) {
            Properties props = new Properties();
            try (Reader reader = Files.newBufferedReader(Path.of(file), StandardCharsets.UTF_8)) {
                props.load(reader);
            } catch (IOException e) {
                throw new ConfigException("Cannot read API key file " + file + ": " + e.getMessage());
            }
            for (String key : props.stringPropertyNames()) {
                put(keys, key.trim(), props.getProperty(key).trim(), "API key file " + file);
            }
        }
        List<Entry> list = new ArrayList<>();
        keys.forEach((key, tenant) -> list.add(new Entry(digest(key), tenant)));
        return new ApiKeys(List.copyOf(list));
    }

    private static void put(Map<String, String> keys, String key, String tenant, String source) {
        if (key.isEmpty()) {
            throw new ConfigException("Empty API key in " + source);
        }
        if (!RecordContract.isValidTenant(tenant)) {
            throw new ConfigException("Invalid tenant '" + tenant + "' in " + source + ": must match "
                    + RecordContract.TENANT_PATTERN);
        }
        if (keys.put(key, tenant) != null) {
            throw new ConfigException("The same API key is given twice in " + source);
        }
    }

    public boolean enabled() {
        return !entries.isEmpty();
    }

    /** The tenant of an {@code Authorization} header value, or empty when it names no known key. */
    public Optional<String> tenantFor(String authorization) {
        if (!enabled()) {
            return Optional.of(RecordContract.DEFAULT_TENANT);
        }
        if (authorization == null || authorization.length() <= BEARER.length()
                || !authorization.substring(0, BEARER.length()).toLowerCase(Locale.ROOT).equals(BEARER)) {
            return Optional.empty();
        }
        byte[] presented = digest(authorization.substring(BEARER.length()).trim());
        String tenant = null;
        for (Entry entry : entries) {
            // No early exit: every key is compared whatever matched.
            if (MessageDigest.isEqual(entry.digest, presented)) {
                tenant = entry.tenant;
            }
        }
        return Optional.ofNullable(tenant);
    }

    private static byte[] digest(String key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java platform", e);
        }
    }
}
