package io.sessionizer.aggregator.domain;

import static org.assertj.core.api.Assertions.assertThat;

import io.sessionizer.schemas.Cost;
import io.sessionizer.schemas.IoValue;
import io.sessionizer.schemas.TokenCount;
import io.sessionizer.schemas.Turn;
import io.sessionizer.schemas.TurnStatus;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class SearchTokensTest {
    @Test
    void shouldLowercaseTheWordsOfInputAndOutputOnce() {
        Turn turn = Turn.newBuilder().setTenant("t").setSessionId("s").setTraceId("0".repeat(32))
                .setStartTime(Instant.EPOCH).setEndTime(Instant.EPOCH).setUpdatedAt(Instant.EPOCH)
                .setInput(new IoValue("{\"q\": \"Hello, Wörld!\"}", "application/json"))
                .setOutput(new IoValue("hello again 42", "text/plain"))
                .setStatus(TurnStatus.OK).setSpanCount(1).setTokenCount(new TokenCount(0L, 0L, 0L))
                .setCost(new Cost(0.0, 0.0, 0.0)).setModels(List.of()).build();
        assertThat(SearchTokens.of(turn)).containsExactly("q", "hello", "wörld", "again", "42");
    }

    @Test
    void shouldSplitAQueryIntoLowercaseWords() {
        assertThat(SearchTokens.query("  What's THE weather? ")).containsExactly("what", "s", "the", "weather");
        assertThat(SearchTokens.query("?!")).isEmpty();
    }
}
