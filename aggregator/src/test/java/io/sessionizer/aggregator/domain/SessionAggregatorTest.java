package io.sessionizer.aggregator.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import io.sessionizer.schemas.Cost;
import io.sessionizer.schemas.SessionStatus;
import io.sessionizer.schemas.SessionSummary;
import io.sessionizer.schemas.TokenCount;
import io.sessionizer.schemas.Turn;
import io.sessionizer.schemas.TurnStatus;
import io.sessionizer.schemas.Turns;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SessionAggregatorTest {
    private static final Instant NOW = Instant.parse("2026-11-23T12:00:00Z");
    private final LatencySketch latency = new LatencySketch();

    private static Turn turn(String trace, int startSecond, int endSecond, int spans, long tokens, TurnStatus status,
            String input, String output) {
        return Turns.turn("s", trace)
                .setStartTime(Instant.ofEpochSecond(startSecond)).setEndTime(Instant.ofEpochSecond(endSecond))
                .setInput(input == null ? null : Turns.text(input))
                .setOutput(output == null ? null : Turns.text(output))
                .setStatus(status).setSpanCount(spans).setLlmCallCount(1)
                .setTokenCount(Turns.tokens(tokens, 0L, tokens)).setCost(Turns.cost(0.5, 0.0, 0.5))
                .setModels(new ArrayList<>(List.of("gpt-4o"))).setProject("app")
                .setUpdatedAt(NOW).build();
    }

    @Test
    void shouldSumNewTurns() {
        Turn a = turn("a", 10, 12, 3, 100, TurnStatus.OK, "hi", "hello");
        Turn b = turn("b", 20, 25, 4, 50, TurnStatus.ERROR, "bye", "ciao");
        SessionSummary s = SessionAggregator.apply(null, latency, null, a, a, a, NOW, new TurnLimits.Cuts());
        s = SessionAggregator.apply(s, latency, null, b, a, b, NOW, new TurnLimits.Cuts());
        assertThat(s.getTraceCount()).isEqualTo(2);
        assertThat(s.getTracesWithError()).isEqualTo(1);
        assertThat(s.getSpanCount()).isEqualTo(7);
        assertThat(s.getLlmCallCount()).isEqualTo(2);
        assertThat(s.getTokenCount().getTotal()).isEqualTo(150);
        assertThat(s.getCost().getTotal()).isEqualTo(1.0);
        assertThat(s.getStartTime()).isEqualTo(Instant.ofEpochSecond(10));
        assertThat(s.getEndTime()).isEqualTo(Instant.ofEpochSecond(25));
        assertThat(s.getFirstInput().getValue()).isEqualTo("hi");
        assertThat(s.getLastOutput().getValue()).isEqualTo("ciao");
        assertThat(s.getProjects()).containsExactly("app");
        assertThat(s.getModels()).containsExactly("gpt-4o");
        assertThat(s.getStatus()).isEqualTo(SessionStatus.ACTIVE);
        assertThat(s.getLatencyMs().getP50()).isCloseTo(3_500.0, org.assertj.core.data.Percentage.withPercentage(1));
        assertThat(s.getLatencyMs().getP99()).isCloseTo(4_970.0, org.assertj.core.data.Percentage.withPercentage(1));
    }

    @Test
    void shouldCountOnlyTheDifferenceWhenATurnGrows() {
        Turn partial = turn("a", 10, 12, 2, 40, TurnStatus.OK, null, null);
        Turn complete = turn("a", 9, 15, 5, 100, TurnStatus.ERROR, "hi", "hello");
        SessionSummary s = SessionAggregator.apply(null, latency, null, partial, partial, partial, NOW,
                new TurnLimits.Cuts());
        s = SessionAggregator.apply(s, latency, partial, complete, complete, complete, NOW, new TurnLimits.Cuts());
        assertThat(s.getTraceCount()).isEqualTo(1);
        assertThat(s.getSpanCount()).isEqualTo(5);
        assertThat(s.getTokenCount().getTotal()).isEqualTo(100);
        assertThat(s.getTracesWithError()).isEqualTo(1);
        assertThat(s.getCost().getTotal()).isEqualTo(0.5);
        assertThat(s.getStartTime()).isEqualTo(Instant.ofEpochSecond(9));
        assertThat(s.getEndTime()).isEqualTo(Instant.ofEpochSecond(15));
        assertThat(s.getFirstInput().getValue()).isEqualTo("hi");
        assertThat(latency.count()).isEqualTo(1);
        assertThat(s.getLatencyMs().getP50()).isCloseTo(6_000.0, org.assertj.core.data.Percentage.withPercentage(1));
    }

    @Test
    void shouldKeepTheFirstUserIdAndEveryProjectOnce() {
        Turn a = turn("a", 10, 12, 1, 0, TurnStatus.OK, null, null);
        a.setUserId("alice");
        Turn b = turn("b", 20, 22, 1, 0, TurnStatus.OK, null, null);
        b.setUserId("bob");
        b.setProject("other");
        SessionSummary s = SessionAggregator.apply(null, latency, null, a, a, a, NOW, new TurnLimits.Cuts());
        s = SessionAggregator.apply(s, latency, null, b, a, b, NOW, new TurnLimits.Cuts());
        assertThat(s.getUserId()).isEqualTo("alice");
        assertThat(s.getProjects()).containsExactly("app", "other");
    }

    private static Turn tagged(String trace, Map<String, String> metadata, String... tags) {
        return Turns.turn("s", trace).setMetadata(new HashMap<>(metadata)).setTags(new ArrayList<>(List.of(tags)))
                .build();
    }

    @Test
    void shouldKeepTheFirstValueOfAKeyAndTagsAsASetInOrderOfFirstUse() {
        TurnLimits.Cuts cuts = new TurnLimits.Cuts();
        Turn a = tagged("a", Map.of("env", "prod", "user.plan", "pro"), "chat", "beta");
        Turn b = tagged("b", Map.of("env", "staging", "region", "eu"), "beta", "voice");

        SessionSummary s = SessionAggregator.apply(null, latency, null, a, a, a, NOW, cuts);
        s = SessionAggregator.apply(s, latency, null, b, null, b, NOW, cuts);

        assertThat(s.getMetadata()).containsOnly(entry("env", "prod"), entry("user.plan", "pro"),
                entry("region", "eu"));
        assertThat(s.getTags()).containsExactly("chat", "beta", "voice");
        assertThat(cuts.metadata()).isZero();
    }

    @Test
    void shouldKeepAtMost64KeysAnd32TagsPerSessionCountingADroppedOneOnce() {
        TurnLimits.Cuts cuts = new TurnLimits.Cuts();
        Map<String, String> full = new HashMap<>();
        String[] manyTags = new String[TurnLimits.MAX_TAGS];
        for (int i = 0; i < TurnLimits.MAX_METADATA_KEYS; i++) {
            full.put("k" + i, "v");
        }
        for (int i = 0; i < manyTags.length; i++) {
            manyTags[i] = "t" + i;
        }
        Turn a = tagged("a", full, manyTags);
        Turn b = tagged("b", Map.of("late", "x"), "late");
        Turn bUpdated = tagged("b", Map.of("late", "x", "later", "y"), "late");

        SessionSummary s = SessionAggregator.apply(null, latency, null, a, a, a, NOW, cuts);
        s = SessionAggregator.apply(s, latency, null, b, null, b, NOW, cuts);
        s = SessionAggregator.apply(s, latency, b, bUpdated, null, bUpdated, NOW, cuts);

        assertThat(s.getMetadata()).hasSize(TurnLimits.MAX_METADATA_KEYS).doesNotContainKeys("late", "later");
        assertThat(s.getTags()).hasSize(TurnLimits.MAX_TAGS).doesNotContain("late");
        assertThat(cuts.metadata()).as("late (key and tag) once, then later").isEqualTo(3);
    }
}
