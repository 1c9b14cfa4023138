package io.sessionizer.aggregator;

import io.sessionizer.schemas.Cost;
import io.sessionizer.schemas.IoValue;
import io.sessionizer.schemas.TokenCount;
import io.sessionizer.schemas.Turn;
import io.sessionizer.schemas.TurnStatus;
import java.time.Instant;
import java.util.ArrayList;

/** The one {@link Turn} builder of all tests: every required field set, so a test sets only what it checks. */
public final class Turns {
    private Turns() {
    }

    /** An OK turn of the default tenant without input, output, tokens or cost, all its times at the epoch. */
    public static Turn.Builder turn(String sessionId, String traceId) {
        return Turn.newBuilder()
                .setTenant("default").setSessionId(sessionId).setTraceId(traceId)
                .setStartTime(Instant.EPOCH).setEndTime(Instant.EPOCH).setUpdatedAt(Instant.EPOCH)
                .setStatus(TurnStatus.OK).setSpanCount(1)
                .setTokenCount(new TokenCount(0L, 0L, 0L)).setCost(new Cost(0.0, 0.0, 0.0))
                .setModels(new ArrayList<>());
    }

    public static IoValue text(String value) {
        return new IoValue(value, "text/plain", false, null);
    }
}
