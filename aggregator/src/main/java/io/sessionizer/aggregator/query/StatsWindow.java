package io.sessionizer.aggregator.query;

import io.sessionizer.aggregator.store.StoreKeys;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The time buckets of {@code /api/v1/stats}: [from, to) cut into buckets of one interval ({@code 1m}, {@code 5m},
 * {@code 1h}, {@code 1d}), at most {@value #MAX_BUCKETS}. Without {@code to} the range ends at the next whole minute
 * from now; without {@code from}
 * it is the 24 hours before {@code to}. Without {@code interval}, the shortest that gives at most
 * {@value #MAX_BUCKETS} buckets. Buckets start at {@code from}.
 */
public record StatsWindow(Instant from, Instant to, String interval, long intervalMicros) {
    public static final int MAX_BUCKETS = 500;
    static final Duration DEFAULT_RANGE = Duration.ofHours(24);
    private static final Map<String, Duration> INTERVALS = new LinkedHashMap<>();

    static {
        INTERVALS.put("1m", Duration.ofMinutes(1));
        INTERVALS.put("5m", Duration.ofMinutes(5));
        INTERVALS.put("1h", Duration.ofHours(1));
        INTERVALS.put("1d", Duration.ofDays(1));
    }

    /**
     * The window of a stats request.
     *
     * @throws InvalidParameterException naming {@code interval} or {@code from} when it would need more buckets
     */
    public static StatsWindow of(SessionQuery query, String interval, Instant now) {
        // Without to, the range ends at the next whole minute: every instance a request is gathered from then takes
        // the same window (unless it is asked across a minute's end), so their buckets add up one to one.
        Instant to = query.to() != null ? query.to()
                : now.truncatedTo(java.time.temporal.ChronoUnit.MINUTES).plus(Duration.ofMinutes(1));
        Instant from = query.from() != null ? query.from() : to.minus(DEFAULT_RANGE);
        if (!from.isBefore(to)) {
            throw new InvalidParameterException("from", "must be before to (or now, without to)");
        }
        Duration range = Duration.between(from, to);
        if (interval != null) {
            Duration step = INTERVALS.get(interval);
            if (step == null) {
                throw new InvalidParameterException("interval", "must be one of " + String.join(", ",
                        INTERVALS.keySet()) + ", not '" + interval + "'");
            }
            if (buckets(range, step) > MAX_BUCKETS) {
                throw new InvalidParameterException("interval", interval + " cuts the range into more than "
                        + MAX_BUCKETS + " buckets: pick a longer one or a shorter range");
            }
            return new StatsWindow(from, to, interval, step.toNanos() / 1000);
        }
        for (Map.Entry<String, Duration> step : INTERVALS.entrySet()) {
            if (buckets(range, step.getValue()) <= MAX_BUCKETS) {
                return new StatsWindow(from, to, step.getKey(), step.getValue().toNanos() / 1000);
            }
        }
        throw new InvalidParameterException("from", "the range is longer than " + MAX_BUCKETS + " days: pick a"
                + " shorter one");
    }

    private static long buckets(Duration range, Duration step) {
        return (range.toNanos() + step.toNanos() - 1) / step.toNanos();
    }

    public long fromMicros() {
        return StoreKeys.micros(from);
    }

    public long toMicros() {
        return StoreKeys.micros(to);
    }

    /** The number of buckets. */
    public int buckets() {
        return (int) ((toMicros() - fromMicros() + intervalMicros - 1) / intervalMicros);
    }
}
