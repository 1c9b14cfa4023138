package io.sessionizer.bench.suite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.sessionizer.loadgen.Latencies;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class ServingSectionTest {
    @Test
    void shouldAskForTheStatsOfTheTwentyFourHoursBeforeNowToTheSecond() {
        assertThat(ServingSection.statsPath(Instant.parse("2026-12-07T08:30:15.123Z")))
                .isEqualTo("/api/v1/stats?from=2026-12-06T08:30:15Z");
    }

    @Test
    void shouldAskForTheRareProjectAndTheModelFacetAsTheApiSpecifies() {
        assertThat(ServingSection.RARE_LIST_PATH).isEqualTo("/api/v1/sessions?limit=50&project=bench-rare");
        assertThat(ServingSection.FACETS_PATH).isEqualTo("/api/v1/sessions/facets?field=model");
        assertThat(ServingSection.FRESHNESS_RATES).containsExactly(10_000.0, 20_000.0);
    }

    @Test
    void shouldCountSessionsInTheWindowedStatsAndInTheAllTimeStatsOfOld() throws Exception {
        ObjectMapper json = new ObjectMapper();

        assertThat(ServingSection.sessionCount(json.readTree("{\"totals\":{\"sessions\":12},\"buckets\":[]}")))
                .isEqualTo(12);
        assertThat(ServingSection.sessionCount(json.readTree("{\"sessions\":7,\"traces\":70}"))).isEqualTo(7);
        assertThat(ServingSection.sessionCount(json.readTree("{}"))).isEqualTo(-1);
    }

    @Test
    void shouldGiveEachTargetedQueryItsBoundOnTheP99Only() {
        Latencies lookups = new Latencies();
        lookups.record(2_000_000);
        Latencies searches = new Latencies();
        searches.record(150_000_000);
        Map<String, Latencies> latencies = new LinkedHashMap<>();
        latencies.put(ServingSection.LOOKUP, lookups);
        latencies.put("search q=mortgage", searches);
        latencies.put(ServingSection.LIST_PAGE, lookups);

        Map<Integer, Long> searchErrors = new TreeMap<>(Map.of(404, 2L, 0, 1L));

        List<Figure> figures = ServingSection.queryFigures("queries", latencies, Map.of("search q=mortgage",
                searchErrors), Map.of(ServingSection.LOOKUP, ServingSection.LOOKUP_TARGET_MS, "search q=mortgage",
                ServingSection.QUERY_TARGET_MS));

        assertThat(figures).extracting(Figure::name, f -> f.targets().size(), Figure::allTargetsMet).containsExactly(
                tuple("session lookup p50", 0, true),
                tuple("session lookup p99", 1, true),
                tuple("search q=mortgage p50", 0, true),
                tuple("search q=mortgage p99", 1, false),
                tuple("search q=mortgage answered other than 200 (no answer: 1, 404: 2)", 0, true),
                tuple("list page (limit 50) p50", 0, true),
                tuple("list page (limit 50) p99", 0, true),
                tuple("queries answered other than 200", 0, true));
        assertThat(figures.get(4).value()).isEqualTo(3);
        assertThat(figures.get(7).value()).isEqualTo(3);
    }
}
