package io.sessionizer.ingest.pipeline;

import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TimeMeter;
import io.sessionizer.config.Config;
import io.sessionizer.config.ConfigException;
import io.sessionizer.config.Setting;
import io.sessionizer.limits.RateBuckets;
import io.sessionizer.schemas.records.RecordContract;
import java.math.BigInteger;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The rate limits of each tenant: a token bucket of spans and one of bytes per tenant (Bucket4j), refilled
 * continuously at the tenant's rate and holding {@code rate x limits.burst}. A request takes its spans and its bytes
 * from both or from neither. One that costs more than a whole bucket is let through when the bucket is full and
 * leaves it in debt, so that a large batch always passes in the end and the tenant's rate still holds on average.
 *
 * <p>Tenants come from the configured API keys, so there are few and their buckets are kept for the life of the
 * process.
 */
public final class TenantLimits {
    public static final Setting<Long> SPANS_PER_SECOND = Setting.of("limits.spans-per-second", "0",
            TenantLimits::parseCount,
            "Spans each tenant may send per second, as a token bucket refilled continuously; 0 for no limit. Over it, "
                    + "OTLP/HTTP answers 429 with Retry-After and OTLP/gRPC RESOURCE_EXHAUSTED with a RetryInfo. Log "
                    + "records are held to limits.bytes-per-second only.");
    public static final Setting<Long> BYTES_PER_SECOND = Setting.bytes("limits.bytes-per-second", "0",
            "Request bytes each tenant may send per second, traces and logs together, as received (a gzip body "
                    + "counts compressed; an OTLP/gRPC message counts as decoded); 0 for no limit. Answered like "
                    + "limits.spans-per-second.");
    public static final Setting<Duration> BURST = Setting.duration("limits.burst", "1s",
            "How much of its rates a tenant may send at once: each bucket holds rate x burst (at least one span or "
                    + "byte). A single request larger than that passes when the tenant's bucket is full.");
    public static final Setting<Map<String, Rates>> TENANT_OVERRIDES = Setting.of("limits.tenant-overrides", "",
            TenantLimits::parseOverrides,
            "Rates of single tenants, overriding limits.spans-per-second and limits.bytes-per-second, comma-separated "
                    + "entries <tenant>:spans-per-second=<n> or <tenant>:bytes-per-second=<size>, e.g. "
                    + "acme:spans-per-second=50000,free:bytes-per-second=1MiB; 0 for no limit for that tenant.");

    private static final String SPANS = "spans-per-second";
    private static final String BYTES = "bytes-per-second";
    private static final long NANOS_PER_SECOND = 1_000_000_000L;
    /**
     * Bucket4j refills at most one token per nanosecond; a faster rate (bytes beyond 100MB/s) is counted in units of
     * several bytes, rounded up per request, which stays within a hundred-millionth of the rate.
     */
    private static final long MAX_TOKENS_PER_SECOND = 100_000_000L;

    /**
     * The rates of one tenant, 0 for no limit; in {@link #TENANT_OVERRIDES}, -1 for a rate the override leaves to
     * the default.
     */
    public record Rates(long spansPerSecond, long bytesPerSecond) {
    }

    /** Why a request was refused and when its tenant's bucket holds enough again. */
    public record Refusal(RejectReason reason, Duration retryAfter, String message) {
    }

    private final Rates defaults;
    private final Map<String, Rates> overrides;
    private final Duration burst;
    private final TimeMeter clock;
    private final ConcurrentMap<String, TenantBuckets> buckets = new ConcurrentHashMap<>();

    /**
     * One bucket of a tenant, of {@code capacityTokens} tokens of {@code unit} spans or bytes each, refilled at
     * {@code rate} spans or bytes per second. A null limit means none.
     */
    private record Limit(Bucket bucket, long unit, long capacityTokens, long rate) {
        /** The tokens of an amount of spans or bytes, rounded up. */
        long tokens(long amount) {
            return amount / unit + (amount % unit == 0 ? 0 : 1);
        }

        /** The capacity in spans or bytes. */
        long capacity() {
            return capacityTokens > Long.MAX_VALUE / unit ? Long.MAX_VALUE : capacityTokens * unit;
        }
    }

    private record TenantBuckets(Limit spans, Limit bytes) {
    }

    /**
     * @param overrides rates of single tenants; -1 in one keeps the default of that rate
     * @param clock Bucket4j's time source: the system's nanosecond clock, or a test's own
     */
    public TenantLimits(Rates defaults, Map<String, Rates> overrides, Duration burst, TimeMeter clock) {
        if (burst.toMillis() < 1) {
            throw new ConfigException(BURST.name() + " must be at least 1ms, got " + burst);
        }
        this.defaults = defaults;
        this.overrides = Map.copyOf(overrides);
        this.burst = burst;
        this.clock = clock;
    }

    /** The limits the {@code limits.*} settings configure, on the system clock. */
    public static TenantLimits fromConfig(Config config) {
        return new TenantLimits(new Rates(config.get(SPANS_PER_SECOND), config.get(BYTES_PER_SECOND)),
                config.get(TENANT_OVERRIDES), config.get(BURST), TimeMeter.SYSTEM_NANOTIME);
    }

    /** No limits at all. */
    public static TenantLimits none() {
        return new TenantLimits(new Rates(0, 0), Map.of(), Duration.ofSeconds(1), TimeMeter.SYSTEM_NANOTIME);
    }

    public static List<Setting<?>> settings() {
        return List.of(SPANS_PER_SECOND, BYTES_PER_SECOND, BURST, TENANT_OVERRIDES);
    }

    /** The limits in one line, for the log at start. */
    @Override
    public String toString() {
        if (defaults.spansPerSecond() == 0 && defaults.bytesPerSecond() == 0 && overrides.isEmpty()) {
            return "none";
        }
        return "spans per second " + rateText(defaults.spansPerSecond()) + ", bytes per second "
                + rateText(defaults.bytesPerSecond()) + ", burst " + burst.toMillis() + " ms"
                + (overrides.isEmpty() ? "" : ", overridden for " + overrides.size() + " tenant(s)");
    }

    private static String rateText(long rate) {
        return rate == 0 ? "unlimited" : Long.toString(rate);
    }

    /** Nanoseconds of the clock the buckets refill by; the in-flight share reads the same. */
    long nanoTime() {
        return clock.currentTimeNanos();
    }

    /** The rates that hold for {@code tenant}: its override, else the defaults. */
    public Rates rates(String tenant) {
        Rates override = overrides.get(tenant);
        if (override == null) {
            return defaults;
        }
        return new Rates(override.spansPerSecond() < 0 ? defaults.spansPerSecond() : override.spansPerSecond(),
                override.bytesPerSecond() < 0 ? defaults.bytesPerSecond() : override.bytesPerSecond());
    }

    /**
     * Takes {@code bytes} and {@code spans} from the tenant's buckets, from both or, when either has too few, from
     * neither: {@link #tryAcquireBytes} then {@link #tryAcquireSpans}, as a request is charged, in one step.
     *
     * @return empty when the request may go on, else why not and when to come back
     */
    Optional<Refusal> tryAcquire(String tenant, long bytes, long spans) {
        Optional<Refusal> refusal = tryAcquireBytes(tenant, bytes);
        if (refusal.isEmpty()) {
            refusal = tryAcquireSpans(tenant, spans);
            if (refusal.isPresent()) {
                release(tenant, bytes, 0);
            }
        }
        return refusal;
    }

    /**
     * Takes {@code bytes} from the tenant's bytes bucket alone: the charge of a request as received, made once, before
     * it is decompressed and decoded. Its spans are then taken by {@link #tryAcquireSpans}.
     *
     * @return empty when the bytes were taken, else why not and when to come back
     */
    public Optional<Refusal> tryAcquireBytes(String tenant, long bytes) {
        Limit limit = buckets.computeIfAbsent(tenant, this::newBuckets).bytes();
        long wait = take(limit, bytes);
        return wait > 0 ? Optional.of(refusal(RejectReason.BYTES_RATE, tenant, "bytes", limit, wait))
                : Optional.empty();
    }

    /** {@link #tryAcquireBytes} for the spans bucket, once the request is decoded and its spans counted. */
    public Optional<Refusal> tryAcquireSpans(String tenant, long spans) {
        Limit limit = buckets.computeIfAbsent(tenant, this::newBuckets).spans();
        long wait = take(limit, spans);
        return wait > 0 ? Optional.of(refusal(RejectReason.SPANS_RATE, tenant, "spans", limit, wait))
                : Optional.empty();
    }

    /** Gives back what {@link #tryAcquireBytes} and {@link #tryAcquireSpans} took for a request refused later on. */
    public void release(String tenant, long bytes, long spans) {
        TenantBuckets tenantBuckets = buckets.get(tenant);
        if (tenantBuckets != null) {
            give(tenantBuckets.bytes(), bytes);
            give(tenantBuckets.spans(), spans);
        }
    }

    private TenantBuckets newBuckets(String tenant) {
        Rates rates = rates(tenant);
        return new TenantBuckets(limit(rates.spansPerSecond()), limit(rates.bytesPerSecond()));
    }

    /**
     * A bucket of {@code rate x burst} tokens (at least one) refilled greedily, token by token, at {@code rate} per
     * second; the refill is stated as a whole bucket per period so that any rate and burst stay exact.
     */
    private Limit limit(long rate) {
        if (rate <= 0) {
            return null;
        }
        long unit = rate <= MAX_TOKENS_PER_SECOND ? 1 : (rate + MAX_TOKENS_PER_SECOND - 1) / MAX_TOKENS_PER_SECOND;
        // In whole numbers: tokens = ceil(rate x burst / unit), period = tokens x unit / rate, so 10/s x 300ms is 3.
        BigInteger unitSecond = BigInteger.valueOf(unit).multiply(BigInteger.valueOf(NANOS_PER_SECOND));
        BigInteger[] perBurst = BigInteger.valueOf(rate).multiply(BigInteger.valueOf(burst.toNanos()))
                .divideAndRemainder(unitSecond);
        long tokens = Math.max(1, perBurst[0].add(perBurst[1].signum() > 0 ? BigInteger.ONE : BigInteger.ZERO)
                .min(BigInteger.valueOf(Long.MAX_VALUE)).longValue());
        long periodNanos = Math.max(1, BigInteger.valueOf(tokens).multiply(unitSecond)
                .divide(BigInteger.valueOf(rate)).min(BigInteger.valueOf(Long.MAX_VALUE)).longValue());
        return new Limit(RateBuckets.greedy(tokens, periodNanos, clock), unit, tokens, rate);
    }

    /** 0 when the tokens were taken, else the nanoseconds until the bucket could give them (or be full). */
    private static long take(Limit limit, long cost) {
        if (limit == null || cost <= 0) {
            return 0;
        }
        long tokens = limit.tokens(cost);
        long now = Math.min(tokens, limit.capacityTokens());
        ConsumptionProbe probe = limit.bucket().tryConsumeAndReturnRemaining(now);
        if (!probe.isConsumed()) {
            return Math.max(1, probe.getNanosToWaitForRefill());
        }
        if (tokens > now) {
            // Admitted on a full bucket: the rest is debt, paid off by the refill before the next request passes.
            limit.bucket().consumeIgnoringRateLimits(tokens - now);
        }
        return 0;
    }

    /** Back into the bucket, never above its capacity; also pays off the debt of a request larger than it. */
    private static void give(Limit limit, long amount) {
        if (limit != null && amount > 0) {
            limit.bucket().addTokens(limit.tokens(amount));
        }
    }

    private static Refusal refusal(RejectReason reason, String tenant, String unit, Limit limit, long waitNanos) {
        Duration retryAfter = retryAfter(waitNanos);
        return new Refusal(reason, retryAfter, "Tenant '" + tenant + "' is over its limit of " + limit.rate() + " "
                + unit + " per second (at most " + limit.capacity() + " at once); retry in " + retryAfter.toSeconds()
                + " s");
    }

    /** Whole seconds, rounded up, at least one: what {@code Retry-After} can say. */
    static Duration retryAfter(long waitNanos) {
        return Duration.ofSeconds(RateBuckets.retryAfterSeconds(waitNanos));
    }

    static long parseCount(String text) {
        try {
            long value = Long.parseLong(text.trim());
            if (value < 0) {
                throw new IllegalArgumentException("must not be negative");
            }
            return value;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a whole number");
        }
    }

    /** Parses {@link #TENANT_OVERRIDES}; the message of a bad entry names it. */
    static Map<String, Rates> parseOverrides(String text) {
        Map<String, Rates> overrides = new LinkedHashMap<>();
        for (String entry : Arrays.stream(text.split(",")).map(String::trim).filter(e -> !e.isEmpty()).toList()) {
            int colon = entry.indexOf(':');
            int eq = entry.indexOf('=');
            if (colon <= 0 || eq < colon) {
                throw invalid(entry, "expected <tenant>:" + SPANS + "=<n> or <tenant>:" + BYTES + "=<size>");
            }
            String tenant = entry.substring(0, colon).trim();
            String limit = entry.substring(colon + 1, eq).trim().toLowerCase(Locale.ROOT);
            String value = entry.substring(eq + 1).trim();
            if (!RecordContract.isValidTenant(tenant)) {
                throw invalid(entry, "the tenant must match " + RecordContract.TENANT_PATTERN);
            }
            if (!limit.equals(SPANS) && !limit.equals(BYTES)) {
                throw invalid(entry, "unknown limit '" + limit + "', expected " + SPANS + " or " + BYTES);
            }
            Rates current = overrides.getOrDefault(tenant, new Rates(-1, -1));
            long rate;
            try {
                rate = limit.equals(BYTES) ? Setting.parseBytes(value) : parseCount(value);
            } catch (IllegalArgumentException e) {
                throw invalid(entry, e.getMessage());
            }
            boolean spans = limit.equals(SPANS);
            if ((spans ? current.spansPerSecond() : current.bytesPerSecond()) >= 0) {
                throw invalid(entry, "the tenant's " + limit + " is given twice");
            }
            overrides.put(tenant, spans ? new Rates(rate, current.bytesPerSecond())
                    : new Rates(current.spansPerSecond(), rate));
        }
        return overrides;
    }

    private static IllegalArgumentException invalid(String entry, String why) {
        return new IllegalArgumentException("invalid entry '" + entry + "': " + why);
    }
}
