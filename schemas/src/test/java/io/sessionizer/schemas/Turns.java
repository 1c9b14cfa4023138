package io.sessionizer.schemas;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The one {@link Turn} builder of all tests, beside the contract it builds (this module's test-jar): every required
 * field set, so a test sets only what it checks.
 */
public final class Turns {
    private Turns() {
    }

    /** An OK turn of the default tenant without input, output, tokens or cost, all its times at the epoch. */
    public static Turn.Builder turn(String sessionId, String traceId) {
        return Turn.newBuilder()
                .setTenant("default").setSessionId(sessionId).setTraceId(traceId)
                .setStartTime(Instant.EPOCH).setEndTime(Instant.EPOCH).setUpdatedAt(Instant.EPOCH)
                .setStatus(TurnStatus.OK).setSpanCount(1)
                .setTokenCount(tokens(0L, 0L, 0L)).setCost(cost(0.0, 0.0, 0.0))
                .setModels(new ArrayList<>());
    }

    /**
     * A turn with a value in every kind of field a serde must carry: nested records, a null union, an array, a map, and
     * times with microseconds.
     */
    public static Turn sample() {
        return turn("s", "0af7651916cd43dd8448eb211c80319c")
                .setStartTime(Instant.parse("2026-11-23T10:15:30.123456Z"))
                .setEndTime(Instant.parse("2026-11-23T10:15:31.000001Z"))
                .setUpdatedAt(Instant.parse("2026-11-23T10:15:32Z"))
                .setInput(text("hi")).setOutput(null).setSpanCount(3)
                .setTokenCount(tokens(1L, 2L, 3L)).setCost(cost(0.1, 0.2, 0.3))
                .setModels(List.of("gpt-4o"))
                .setMetadata(Map.of("user.plan", "pro", "env", "prod"))
                .setTags(List.of("chat", "beta"))
                .build();
    }

    /** Tokens without cache or reasoning details. */
    public static TokenCount tokens(long prompt, long completion, long total) {
        return new TokenCount(prompt, completion, total, 0L, 0L, 0L);
    }

    /** A cost with no unpriced calls. */
    public static Cost cost(double prompt, double completion, double total) {
        return new Cost(prompt, completion, total, 0L, new ArrayList<>());
    }

    public static IoValue text(String value) {
        return new IoValue(value, "text/plain", false, null);
    }
}
