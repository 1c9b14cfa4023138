package io.sessionizer.aggregator.domain;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TurnOrderTest {
    private static final String A = "0a";
    private static final String B = "0b";

    @Test
    void shouldOrderByStartThenTraceId() {
        assertThat(TurnOrder.compare(1, B, 2, A)).isNegative();
        assertThat(TurnOrder.compare(2, A, 2, B)).isNegative();
        assertThat(TurnOrder.compare(2, B, 2, B)).isZero();
    }

    @Test
    void shouldMakeATurnFirstWhenItStartsNoLaterThanTheFirst() {
        assertThat(TurnOrder.isFirst(5, A, 0, null)).as("a new session").isTrue();
        assertThat(TurnOrder.isFirst(5, B, 9, A)).isTrue();
        assertThat(TurnOrder.isFirst(9, A, 9, A)).as("the first turn itself").isTrue();
        assertThat(TurnOrder.isFirst(9, B, 9, A)).isFalse();
    }

    @Test
    void shouldFindTheLastTurnAgainOnlyWhenTheLastMovedEarlier() {
        assertThat(TurnOrder.last(5, A, 0, null)).isEqualTo(TurnOrder.Last.THIS_TURN);
        assertThat(TurnOrder.last(10, B, 9, A)).isEqualTo(TurnOrder.Last.THIS_TURN);
        assertThat(TurnOrder.last(3, B, 9, A)).as("an earlier turn changed").isEqualTo(TurnOrder.Last.UNCHANGED);
        assertThat(TurnOrder.last(3, A, 9, A)).as("the last turn's root came late")
                .isEqualTo(TurnOrder.Last.LOOK_UP);
    }
}
