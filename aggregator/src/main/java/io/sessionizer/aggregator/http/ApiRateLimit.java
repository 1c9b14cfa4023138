package io.sessionizer.aggregator.http;

import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.server.DecoratingHttpServiceFunction;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TimeMeter;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.sessionizer.auth.Caller;
import io.sessionizer.auth.TenantAuthentication;
import io.sessionizer.config.Config;
import io.sessionizer.config.Setting;
import io.sessionizer.limits.RateBuckets;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The query API's rate limit: a token bucket per API key (Bucket4j), or per client address when keys are off,
 * refilled continuously at {@code api.rate-limit} requests per second and holding {@code api.rate-limit-burst}.
 * Over it, a request is answered 429 problem+json with {@code Retry-After}. It runs after authentication, so that a
 * request without a known key is refused 401 without taking a token.
 *
 * <p>A request another instance forwarded ({@link PeerCheck#fromPeer}: its signed peer header was checked, so this
 * decorator must run inside {@link PeerCheck}) was counted where the client sent it and is not counted again.
 *
 * <p>Without keys, an IPv4 client is limited by its address and an IPv6 one by its /64, the block one subscriber is
 * usually given, so that rotating addresses within it gains nothing. Buckets that have refilled completely are
 * dropped now and then, off the event loop: a full bucket is the same as a new one. And at most {@link #MAX_BUCKETS}
 * are kept: beyond, new clients share one overflow bucket until the sweep makes room.
 */
public final class ApiRateLimit implements DecoratingHttpServiceFunction {
    private static final Logger LOG = LoggerFactory.getLogger(ApiRateLimit.class);
    public static final Setting<Double> RATE = Setting.of("api.rate-limit", "0", ApiRateLimit::parseRate,
            "Requests per second each API key (each client address when keys are off) may make to /api/, as a token "
                    + "bucket refilled continuously; fractions allowed (0.5 = one every two seconds); 0 for no "
                    + "limit. Over it: 429 problem+json with Retry-After. Requests forwarded between instances are "
                    + "counted once, where the client sent them. The web UI makes a few requests per page and polls "
                    + "every 3 s: leave it room (2 or more).");
    public static final Setting<Integer> BURST = Setting.integer("api.rate-limit-burst", 0, 0, Integer.MAX_VALUE,
            "Requests a key may make at once before api.rate-limit holds it back; 0 for twice api.rate-limit, at "
                    + "least 1.");
    /** How often full buckets are dropped. */
    static final Duration SWEEP_INTERVAL = Duration.ofMinutes(1);
    /** Buckets kept at most, so that a flood of new client addresses cannot grow the map without bound. */
    static final int MAX_BUCKETS = 100_000;

    private final double rate;
    private final long capacity;
    private final MeterRegistry registry;
    private final TimeMeter clock;
    private final ConcurrentMap<Object, Bucket> buckets = new ConcurrentHashMap<>();
    /** The refusals counter of each tenant, registered once: tenants come from the configured keys, so are few. */
    private final ConcurrentMap<String, Counter> refused = new ConcurrentHashMap<>();
    private final AtomicLong nextSweep;
    private final int maxBuckets;
    /** Shared by the clients that came when {@link #MAX_BUCKETS} buckets were kept already. */
    private final Bucket overflow;

    /**
     * @param rate requests per second, 0 for no limit
     * @param burst requests at once; 0 for twice the rate, at least 1
     * @param clock Bucket4j's time source: the system's nanosecond clock, or a test's own
     */
    public ApiRateLimit(double rate, int burst, MeterRegistry registry, TimeMeter clock) {
        this(rate, burst, registry, clock, MAX_BUCKETS);
    }

    /** With a cap of its own on the buckets kept, for tests. */
    ApiRateLimit(double rate, int burst, MeterRegistry registry, TimeMeter clock, int maxBuckets) {
        this.rate = rate;
        this.capacity = burst > 0 ? burst : Math.max(1, (long) Math.ceil(2 * rate));
        this.registry = registry;
        this.clock = clock;
        this.nextSweep = new AtomicLong(clock.currentTimeNanos() + SWEEP_INTERVAL.toNanos());
        this.maxBuckets = maxBuckets;
        this.overflow = rate > 0 ? newBucket() : null;
    }

    /** The limit {@code api.rate-limit} and {@code api.rate-limit-burst} configure, on the system clock. */
    public static ApiRateLimit fromConfig(Config config, MeterRegistry registry) {
        ApiRateLimit limit = new ApiRateLimit(config.get(RATE), config.get(BURST), registry, TimeMeter.SYSTEM_NANOTIME);
        if (limit.rate > 0) {
            LOG.info("API rate limit: {} requests per second per API key (per client address without keys), {} at "
                    + "once", limit.rateText(), limit.capacity);
        }
        return limit;
    }

    public static List<Setting<?>> settings() {
        return List.of(RATE, BURST);
    }

    @Override
    public HttpResponse serve(HttpService delegate, ServiceRequestContext ctx, HttpRequest req) throws Exception {
        if (rate <= 0 || PeerCheck.fromPeer(ctx)) {
            return delegate.serve(ctx, req);
        }
        String tenant = TenantAuthentication.tenant(ctx);
        String keyId = TenantAuthentication.keyId(ctx);
        boolean withKey = !keyId.equals(Caller.NO_KEY);
        ConsumptionProbe probe = take(withKey ? keyId : clientKey(ctx.clientAddress()), ctx.blockingTaskExecutor());
        if (probe.isConsumed()) {
            return delegate.serve(ctx, req);
        }
        refused.computeIfAbsent(tenant, t -> Counter.builder("api.rate.limited")
                .description("Requests to /api/ refused for their key's (or client address's) rate limit")
                .tag("tenant", t)
                .register(registry)).increment();
        long retryAfter = RateBuckets.retryAfterSeconds(probe.getNanosToWaitForRefill());
        return Problems.tooManyRequests("Too many requests: " + (withKey ? "this API key" : "this client")
                + " may make " + rateText() + " requests per second (" + capacity + " at once); retry in " + retryAfter
                + " s", retryAfter);
    }

    private String rateText() {
        return rate == Math.rint(rate) ? Long.toString((long) rate) : Double.toString(rate);
    }

    /** {@code capacity} tokens, refilled greedily at {@code rate} per second (stated as a whole bucket per period). */
    private Bucket newBucket() {
        long periodNanos = Math.max(1, Math.round(capacity * (RateBuckets.NANOS_PER_SECOND / rate)));
        return RateBuckets.greedy(capacity, periodNanos, clock);
    }

    /**
     * Takes a token from the bucket of {@code bucketKey} (a key id, or a {@link #clientKey}: of different types, so
     * they never collide), and hands a sweep to {@code sweeper} when one is due.
     */
    ConsumptionProbe take(Object bucketKey, Executor sweeper) {
        Bucket bucket = buckets.get(bucketKey);
        if (bucket == null) {
            bucket = buckets.size() < maxBuckets ? buckets.computeIfAbsent(bucketKey, k -> newBucket()) : overflow;
        }
        ConsumptionProbe probe = bucket.tryConsumeAndReturnRemaining(1);
        sweepIfDue(sweeper);
        return probe;
    }

    /** An IPv4 client's bucket key: its address; an IPv6 client's: the first 64 bits of its address. */
    static Object clientKey(InetAddress address) {
        if (!(address instanceof Inet6Address)) {
            return address;
        }
        byte[] bytes = address.getAddress();
        long prefix = 0;
        for (int i = 0; i < Long.BYTES; i++) {
            prefix = prefix << Byte.SIZE | (bytes[i] & 0xff);
        }
        return prefix;
    }

    /**
     * At most once per {@link #SWEEP_INTERVAL}, drops the buckets that are full again, on {@code sweeper}: a loop over
     * up to {@link #MAX_BUCKETS} buckets has no place on the event loop.
     */
    private void sweepIfDue(Executor sweeper) {
        long now = clock.currentTimeNanos();
        long due = nextSweep.get();
        if (now - due >= 0 && nextSweep.compareAndSet(due, now + SWEEP_INTERVAL.toNanos())) {
            try {
                sweeper.execute(() -> buckets.values().removeIf(bucket -> bucket.getAvailableTokens() >= capacity));
            } catch (RejectedExecutionException e) {
                LOG.debug("API rate limit: no sweep of the buckets while the server stops", e);
            }
        }
    }

    /** Buckets kept now, for tests of the sweep. */
    int buckets() {
        return buckets.size();
    }

    static double parseRate(String text) {
        double rate;
        try {
            rate = Double.parseDouble(text.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a number");
        }
        if (!(rate >= 0) || Double.isInfinite(rate)) {
            throw new IllegalArgumentException("must be a finite number, 0 or more");
        }
        if (rate > 0 && rate < 1e-6) {
            throw new IllegalArgumentException("must be 0 or at least 0.000001");
        }
        return rate;
    }
}
