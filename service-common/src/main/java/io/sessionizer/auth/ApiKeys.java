package io.sessionizer.auth;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.sessionizer.config.Config;
import io.sessionizer.config.ConfigException;
import io.sessionizer.config.ReloadingFile;
import io.sessionizer.config.Setting;
import io.sessionizer.schemas.records.RecordContract;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiPredicate;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Maps API keys to a tenant and scopes. Without keys every request belongs to
 * {@value RecordContract#DEFAULT_TENANT} with every scope; with keys, a request must carry
 * {@code Authorization: Bearer <key>}.
 *
 * <p>An entry is {@code <key>=<tenant>[ <scope>...]}, split at the last {@code =}; the key is either
 * {@code sha256:<64 lowercase hex>}, the SHA-256 of its UTF-8 bytes (the form to store), or the key itself (still
 * accepted, with a warning naming where it is, never the key). No scope listed means every scope.
 *
 * <p>Keys are kept only as SHA-256 digests and every digest is compared on each lookup, with
 * {@link MessageDigest#isEqual} and no early exit, so that the time taken says nothing about which key, or how much of
 * one, was right. Keys and their hashes never appear in messages or logs; the {@link Caller#keyId() key id} may.
 *
 * <p>The keys file is read again every {@link #RELOAD_INTERVAL} and taken when its content has changed (a digest of
 * its bytes, not file events: Kubernetes swaps a symlink to update a mounted secret), so that a key is rotated or
 * revoked without a restart. A file that cannot be read or parsed then keeps the keys in use and logs one error.
 * Whether keys are required is fixed at start: with a keys file, an empty file refuses every request rather than
 * opening the service. {@link #close()} stops the reloading.
 */
public final class ApiKeys implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ApiKeys.class);
    private static final String GRAMMAR = "<key>=<tenant>[ <scope>...], the key as sha256:<64 lowercase hex> or"
            + " the key itself";

    /** The same keys for every service, so that one key may both send spans and read its sessions. */
    public static final Setting<List<String>> KEYS = Setting.list("auth.api-keys", "",
            "API keys as comma-separated entries '<key>=<tenant>[ <scope>...]': the key as 'sha256:<64 lowercase hex>'"
                    + " (its SHA-256, printed by './sessionizer keys hash'; a plaintext key is still accepted with a"
                    + " warning), then scopes separated by spaces from ingest, read, annotate, admin (all when none is"
                    + " listed). With any key configured (here or in the file), every request needs"
                    + " 'Authorization: Bearer <key>', the key fixes the tenant, and a key without the scope of a"
                    + " route is answered 403.");
    public static final Setting<String> KEYS_FILE = Setting.string("auth.api-keys-file", "",
            "A file of API keys, one entry per line in the format of auth.api-keys ('#' comments and blank lines"
                    + " allowed); read again when its content changes, so that keys are rotated and revoked without a"
                    + " restart. Setting it requires keys even while the file is empty. Empty for none.");
    public static final Setting<Duration> RELOAD_INTERVAL = Setting.duration("auth.api-keys-reload-interval", "5s",
            "How often auth.api-keys-file is checked for a change; a file that then fails to read or parse keeps"
                    + " the keys in use and logs an error. 0 reads it at start only.");

    private static final String HASH_PREFIX = "sha256:";
    private static final Pattern HASH = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern SPACES = Pattern.compile("\\s+");
    private static final String BEARER = "bearer ";
    private static final int KEY_ID_BYTES = 6;
    /** Tenants and scopes are short words; a longer value in their place is shown by its length only. */
    private static final int MAX_SHOWN_CHARS = 24;
    private static final int NEW_KEY_BYTES = 32;
    /** The prefix of the keys {@link #newKey} makes, so that a leaked one is easy to recognise (secret scanners). */
    public static final String NEW_KEY_PREFIX = "sz_";

    private final boolean enabled;
    /** The keys of the setting alone, without a keys file. */
    private final Snapshot fixedOnly;
    /** The keys of the setting and the file, without a keys file null. */
    private final ReloadingFile<Snapshot> file;

    /** One key: the SHA-256 of the key, and where it came from, for error messages. */
    private record Entry(byte[] digest, String tenant, Set<Scope> scopes, String location) {
    }

    /** The keys in use. */
    private record Snapshot(byte[][] digests, Caller[] callers) {
    }

    private ApiKeys(List<Entry> fixed, ReloadingFile<Snapshot> file) {
        this.enabled = !fixed.isEmpty() || file != null;
        this.fixedOnly = snapshot(fixed, List.of());
        this.file = file;
    }

    public static List<Setting<?>> settings() {
        return List.of(KEYS, KEYS_FILE, RELOAD_INTERVAL);
    }

    /** The keys {@link #KEYS} and {@link #KEYS_FILE} configure, the file reloaded every {@link #RELOAD_INTERVAL}. */
    public static ApiKeys fromConfig(Config config) {
        return load(config.get(KEYS), KEYS.name(), config.get(KEYS_FILE), config.get(RELOAD_INTERVAL));
    }

    /** No keys: authentication is off. */
    public static ApiKeys none() {
        return new ApiKeys(List.of(), null);
    }

    /**
     * Keys from entries and from a keys file (either may be empty), the file read at start only.
     *
     * @param source names where the entries came from, for messages
     */
    public static ApiKeys of(List<String> entries, String source, String file) {
        return load(entries, source, file, Duration.ZERO);
    }

    /**
     * Keys from entries and from a keys file, the file checked for a change every {@code reloadInterval} (zero: never).
     * Fails with a ConfigException, naming the setting or file and the entry, when an entry or the file is invalid.
     */
    public static ApiKeys load(List<String> entries, String source, String file, Duration reloadInterval) {
        List<Entry> fixed = parse(entries, source, "entry");
        if (file == null || file.isBlank()) {
            return new ApiKeys(fixed, null);
        }
        Path path = Path.of(file);
        ReloadingFile<Snapshot> reloading = new ReloadingFile<>(List.of(new ReloadingFile.Source("API key file", path)),
                reloadInterval, contents -> {
                    List<Entry> fromFile = parseFile(path, contents[0]);
                    checkDistinct(fixed, fromFile);
                    return snapshot(fixed, fromFile);
                }, snapshot -> snapshot.digests.length + " API keys in use");
        ApiKeys keys = new ApiKeys(fixed, reloading);
        LOG.info("API keys: {} in use, {} of them from the file {}{}", keys.size(), keys.size() - fixed.size(), path,
                reloading.reloading() ? ", checked for changes every " + reloadInterval.toMillis() + "ms"
                        : ", read at start only");
        return keys;
    }

    public boolean enabled() {
        return enabled;
    }

    /** How many keys are in use now. */
    public int size() {
        return keys().digests.length;
    }

    private Snapshot keys() {
        return file == null ? fixedOnly : file.current();
    }

    /**
     * The caller an {@code Authorization} header value names, or empty when it names no key in use. Without keys, the
     * default tenant with every scope.
     */
    public Optional<Caller> authenticate(String authorization) {
        if (!enabled) {
            return Optional.of(Caller.ANONYMOUS);
        }
        if (authorization == null || authorization.length() <= BEARER.length()
                || !authorization.substring(0, BEARER.length()).toLowerCase(Locale.ROOT).equals(BEARER)) {
            return Optional.empty();
        }
        String key = authorization.substring(BEARER.length()).trim();
        if (key.isEmpty()) {
            return Optional.empty();
        }
        Snapshot keys = keys();
        int found = indexOf(keys.digests, sha256(key.getBytes(StandardCharsets.UTF_8)), MessageDigest::isEqual);
        return found < 0 ? Optional.empty() : Optional.of(keys.callers[found]);
    }

    /**
     * The index of {@code presented} among {@code digests}, or -1, comparing it with every digest whatever matched:
     * the loop takes the same time for the first key, the last and none.
     */
    static int indexOf(byte[][] digests, byte[] presented, BiPredicate<byte[], byte[]> equal) {
        int found = -1;
        for (int i = 0; i < digests.length; i++) {
            // No early exit: every key is compared whatever matched.
            if (equal.test(digests[i], presented)) {
                found = i;
            }
        }
        return found;
    }

    /** The stored form of a key: {@code sha256:} and the lowercase hex SHA-256 of its UTF-8 bytes. */
    public static String hash(String key) {
        return HASH_PREFIX + HexFormat.of().formatHex(sha256(key.getBytes(StandardCharsets.UTF_8)));
    }

    /** A new key: {@value #NEW_KEY_PREFIX} and 32 random bytes in unpadded base64url (no {@code =}, no {@code ,}). */
    public static String newKey(SecureRandom random) {
        byte[] bytes = new byte[NEW_KEY_BYTES];
        random.nextBytes(bytes);
        return NEW_KEY_PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** The key id of a key: the first 12 hex digits of its SHA-256. */
    public static String keyId(String key) {
        return keyId(sha256(key.getBytes(StandardCharsets.UTF_8)));
    }

    private static String keyId(byte[] digest) {
        return HexFormat.of().formatHex(digest, 0, KEY_ID_BYTES);
    }

    /**
     * Reads the keys file now and takes it if its content changed and parses; otherwise keeps the keys in use and
     * logs one error per bad content. True when new keys were taken. The reload timer calls it; so may tests.
     */
    boolean reload() {
        return file != null && file.check();
    }

    /**
     * Gauges of the keys: {@code auth.api.keys}, the keys in use, and {@code auth.api.keys.file.stale}, 1 while the
     * keys file in place fails to read or parse (the keys in use are then older than it: worth an alert).
     */
    public void bindTo(MeterRegistry registry) {
        Gauge.builder("auth.api.keys", this, ApiKeys::size)
                .description("API keys in use")
                .register(registry);
        Gauge.builder("auth.api.keys.file.stale", this, keys -> keys.file != null && keys.file.stale() ? 1 : 0)
                .description("1 while the API key file in place fails to read or parse; the previous keys stay in use")
                .register(registry);
    }

    @Override
    public void close() {
        if (file != null) {
            file.close();
        }
    }

    private static List<Entry> parseFile(Path file, byte[] bytes) {
        String text = new String(bytes, StandardCharsets.UTF_8);
        if (text.startsWith("\uFEFF")) {
            text = text.substring(1);
        }
        List<String> entries = new ArrayList<>();
        for (String line : text.split("\\R", -1)) {
            String trimmed = line.trim();
            // Blank and comment lines stay in the list as empty entries, so that the numbers are line numbers.
            entries.add(trimmed.startsWith("#") ? "" : trimmed);
        }
        return parse(entries, "API key file " + file, "line");
    }

    /** Entries as the setting and the file write them; blank entries are skipped, but counted in the numbering. */
    private static List<Entry> parse(List<String> entries, String source, String unit) {
        List<Entry> parsed = new ArrayList<>();
        List<Integer> plaintext = new ArrayList<>();
        for (int i = 0; i < entries.size(); i++) {
            String entry = entries.get(i).trim();
            if (entry.isEmpty()) {
                continue;
            }
            String location = source + " " + unit + " " + (i + 1);
            int eq = entry.lastIndexOf('=');
            if (eq < 0 || entry.substring(eq + 1).isBlank()) {
                throw new ConfigException("Invalid entry at " + location + ": expected " + GRAMMAR);
            }
            String key = entry.substring(0, eq).trim();
            String[] rest = SPACES.split(entry.substring(eq + 1).trim());
            byte[] digest;
            if (key.isEmpty()) {
                throw new ConfigException("Empty API key at " + location);
            } else if (key.startsWith(HASH_PREFIX)) {
                String hex = key.substring(HASH_PREFIX.length());
                if (!HASH.matcher(hex).matches()) {
                    throw new ConfigException("Invalid hashed key at " + location + ": expected " + HASH_PREFIX
                            + " and 64 lowercase hex digits (as './sessionizer keys hash' prints)");
                }
                digest = HexFormat.of().parseHex(hex);
            } else {
                digest = sha256(key.getBytes(StandardCharsets.UTF_8));
                plaintext.add(i + 1);
            }
            String tenant = rest[0];
            if (!RecordContract.isValidTenant(tenant)) {
                throw new ConfigException("Invalid tenant " + shown(tenant) + " at " + location + ": must match "
                        + RecordContract.TENANT_PATTERN);
            }
            Set<Scope> scopes = EnumSet.noneOf(Scope.class);
            for (int s = 1; s < rest.length; s++) {
                try {
                    scopes.add(Scope.of(rest[s]));
                } catch (IllegalArgumentException e) {
                    throw new ConfigException("Unknown scope " + shown(rest[s]) + " at " + location + ": expected"
                            + " one of " + Arrays.stream(Scope.values()).map(Scope::tag)
                            .collect(Collectors.joining(", ")));
                }
            }
            parsed.add(new Entry(digest, tenant, scopes.isEmpty() ? EnumSet.allOf(Scope.class) : scopes, location));
        }
        checkDistinct(parsed, List.of());
        if (!plaintext.isEmpty()) {
            LOG.warn("{} holds {} API key{} in plaintext ({} {}): store each as its hash instead, the line that"
                    + " './sessionizer keys hash' prints (sha256:<hex>)", source, plaintext.size(),
                    plaintext.size() == 1 ? "" : "s", plaintext.size() == 1 ? unit : unit + "s",
                    plaintext.stream().map(String::valueOf).collect(Collectors.joining(", ")));
        }
        return List.copyOf(parsed);
    }

    /**
     * A value of an entry for a message: quoted when short, else only its length, since a long value in the place of
     * a tenant or scope is most likely a key written in the wrong place (the entry reversed, a missing '=').
     */
    private static String shown(String value) {
        return value.length() <= MAX_SHOWN_CHARS ? "'" + value + "'"
                : "(" + value.length() + " characters, not shown: it may be a key)";
    }

    /** Fails when one key is given twice, naming where (never the key). */
    private static void checkDistinct(List<Entry> first, List<Entry> second) {
        Map<String, String> seen = new HashMap<>();
        for (List<Entry> entries : List.of(first, second)) {
            for (Entry entry : entries) {
                String previous = seen.putIfAbsent(HexFormat.of().formatHex(entry.digest), entry.location);
                if (previous != null) {
                    throw new ConfigException("The same API key is given twice: at " + previous + " and at "
                            + entry.location);
                }
            }
        }
    }

    private static Snapshot snapshot(List<Entry> fixed, List<Entry> fromFile) {
        List<Entry> all = new ArrayList<>(fixed);
        all.addAll(fromFile);
        byte[][] digests = new byte[all.size()][];
        Caller[] callers = new Caller[all.size()];
        for (int i = 0; i < all.size(); i++) {
            Entry entry = all.get(i);
            digests[i] = entry.digest;
            callers[i] = new Caller(entry.tenant, entry.scopes, keyId(entry.digest));
        }
        return new Snapshot(digests, callers);
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java platform", e);
        }
    }
}
