package io.sessionizer.ingest.pipeline;

import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Bounds the bytes of requests accepted but not yet acknowledged by Kafka, so that a burst or a slow broker is
 * answered with a retryable error instead of exhausting memory, and shares that budget fairly between tenants.
 *
 * <p>A tenant may hold at most an equal share of the budget: the budget divided by the tenants sharing it, those
 * with bytes in flight and the asker. Alone, a tenant may use all of it. A tenant refused because the budget was
 * full while it was within its share keeps counting as sharing for {@code holdNanos} (longer than its client waits
 * before retrying), so that a tenant that filled the budget alone is held to its share, and the room it frees goes
 * to the one that waits, instead of being taken again by the one that sends most.
 */
final class InFlightLimiter {
    /** Whether a request may be taken on and, if not, which bound it hit. */
    enum Outcome {
        ADMITTED,
        /** The tenant holds its share of the budget already. */
        OVER_SHARE,
        /** The budget is full, though the tenant is within its share. */
        OVER_BUDGET
    }

    /**
     * What {@link #tryAcquire} decided.
     *
     * @param share the tenant's share of the budget the decision was made with
     */
    record Admission(Outcome outcome, long share) {
    }

    private static final class Tenant {
        /** Written under the limiter's lock, read by the per-tenant gauge. */
        private volatile long inFlight;
        /** Until when the tenant, refused for a full budget, counts as sharing it; in the past when it does not. */
        private long waitingUntil;

        Tenant(long now) {
            this.waitingUntil = now;
        }

        boolean sharing(long now) {
            return inFlight > 0 || now - waitingUntil < 0;
        }
    }

    private final long maxBytes;
    private final long holdNanos;
    private final LongSupplier nanoTime;
    private final Map<String, Tenant> tenants = new HashMap<>();
    private volatile long inFlight;

    /**
     * @param holdNanos how long a tenant refused for a full budget counts as sharing it
     * @param nanoTime a monotonic clock in nanoseconds
     */
    InFlightLimiter(long maxBytes, long holdNanos, LongSupplier nanoTime) {
        this.maxBytes = maxBytes;
        this.holdNanos = holdNanos;
        this.nanoTime = nanoTime;
    }

    /**
     * Reserves the bytes for the tenant. A single request larger than the share still passes when the tenant has
     * nothing in flight, and one larger than the budget when nothing at all is in flight.
     */
    synchronized Admission tryAcquire(String tenantName, long bytes) {
        long now = nanoTime.getAsLong();
        Tenant tenant = tenants.computeIfAbsent(tenantName, t -> new Tenant(now));
        // Alone, a tenant's share is the whole budget: it is then refused for the budget, not for its share.
        int sharing = sharing(tenant, now);
        long share = maxBytes / sharing;
        if (sharing > 1 && tenant.inFlight > 0 && tenant.inFlight + bytes > share) {
            return new Admission(Outcome.OVER_SHARE, share);
        }
        if (inFlight > 0 && inFlight + bytes > maxBytes) {
            tenant.waitingUntil = now + holdNanos;
            return new Admission(Outcome.OVER_BUDGET, share);
        }
        tenant.waitingUntil = now;
        tenant.inFlight += bytes;
        inFlight += bytes;
        return new Admission(Outcome.ADMITTED, share);
    }

    /**
     * Tenants sharing the budget, the asker included: those with bytes in flight or waiting for room. Counted afresh
     * each time, from the tenants themselves: they come from the API keys, so they are few.
     */
    private int sharing(Tenant asker, long now) {
        int sharing = 1;
        for (Tenant tenant : tenants.values()) {
            if (tenant != asker && tenant.sharing(now)) {
                sharing++;
            }
        }
        return sharing;
    }

    synchronized void release(String tenantName, long bytes) {
        Tenant tenant = tenants.get(tenantName);
        tenant.inFlight -= bytes;
        inFlight -= bytes;
    }

    long inFlightBytes() {
        return inFlight;
    }

    /** The bytes in flight of one tenant; 0 for one never seen. */
    long inFlightBytes(String tenantName) {
        Tenant tenant;
        synchronized (this) {
            tenant = tenants.get(tenantName);
        }
        return tenant == null ? 0 : tenant.inFlight;
    }

    /** The share of the budget a tenant would have now if it asked. */
    synchronized long share(String tenantName) {
        long now = nanoTime.getAsLong();
        Tenant tenant = tenants.computeIfAbsent(tenantName, t -> new Tenant(now));
        return maxBytes / sharing(tenant, now);
    }

    long maxBytes() {
        return maxBytes;
    }
}
