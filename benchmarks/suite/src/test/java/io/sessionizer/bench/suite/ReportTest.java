package io.sessionizer.bench.suite;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReportTest {
    private static final Machine MACHINE = new Machine(2, 8L << 30, "Test CPU", "Test OS", "Test JVM", 1.5);

    private static Report report(Figure... figures) {
        Map<String, String> versions = new LinkedHashMap<>();
        versions.put("kafka", "4.3.1");
        return new Report(Instant.parse("2026-01-02T03:04:05Z"), Duration.ofSeconds(90), MACHINE, 2.5, versions,
                Map.of("size", "quick"), List.of(figures));
    }

    @Test
    void shouldJudgeTargetsOnTheValueOrOnTheRatioToTheBaseline() {
        Figure ingest = Figure.of("ingest", "spans", 45_000, "spans/s").withBaseline("producer", 100_000);

        assertThat(Target.ratioAtLeast(0.6).metBy(ingest)).isFalse();
        assertThat(Target.ratioAtLeast(0.45).metBy(ingest)).isTrue();
        assertThat(Target.atLeast(45_000).metBy(ingest)).isTrue();
        assertThat(Target.below(45_000).metBy(ingest)).isFalse();
        assertThat(Target.below(10).metBy(Figure.of("q", "p99", Double.NaN, "ms"))).isFalse();
        assertThat(Target.ratioAtLeast(1).metBy(Figure.of("q", "no baseline", 5, "spans/s"))).isFalse();
    }

    @Test
    void shouldRenderOneMarkdownRowPerFigureWithBaselineRatioTargetsAndResults() {
        String markdown = report(
                Figure.of("aggregator", "catch-up", 26_375.4, "spans/s").withBaseline("repartition-only", 47_960)
                        .withTargets(Target.atLeast(50_000), Target.ratioAtLeast(0.5)),
                Figure.of("freshness", "p99", 123.456, "ms").withSamples(1_200).withTargets(Target.below(500)),
                Figure.of("queries", "local lookup p50", 1.234, "ms"),
                Figure.of("memory", "peak RSS, broker", 410.4, "MiB")).markdown();

        assertThat(markdown).contains("2 cores, 8.0 GiB, Test CPU; Test OS; Test JVM",
                "Load average 1.50 at the start, 2.50 at the end", "Versions: kafka 4.3.1",
                "| section | figure | value | baseline | ratio | target | result |",
                "| aggregator | catch-up | 26,375 spans/s | 47,960 spans/s, repartition-only | 0.549"
                        + " | ≥ 50,000 spans/s; ≥ 0.50 × baseline | **missed**; met |",
                "| freshness | p99 (1,200 samples) | 123.5 ms |  |  | < 500 ms | met |",
                "| queries | local lookup p50 | 1.23 ms |  |  |  |  |",
                "| memory | peak RSS, broker | 410 MiB |  |  |  |  |");
    }

    @Test
    void shouldMeetAnAtMostTargetAtItsBoundAndShowBytesPerInputByteMegabytesAndSeconds() {
        Figure written = Figure.of("aggregator", "bytes written per byte of input", 2.0, Figure.BYTES_PER_INPUT_BYTE)
                .withBaseline("repartition-only", 1.04).withTargets(Target.atMost(2.0));

        assertThat(Target.atMost(2.0).metBy(written)).isTrue();
        assertThat(Target.atMost(1.99).metBy(written)).isFalse();
        assertThat(report(written,
                Figure.of("aggregator", "wrote to sessions-changelog", 209.04, "MB"),
                Figure.of("rebuild", "list answers 200", 41.25, "s").withTargets(Target.atMost(60))).markdown())
                .contains("| aggregator | bytes written per byte of input | 2.00 bytes/input byte"
                                + " | 1.04 bytes/input byte, repartition-only | 1.923 | ≤ 2 bytes/input byte | met |",
                        "| aggregator | wrote to sessions-changelog | 209.0 MB |  |  |  |  |",
                        "| rebuild | list answers 200 | 41.3 s |  |  | ≤ 60 s | met |");
    }

    @Test
    void shouldShowARatioJustBelowItsTargetAsBelowIt() {
        String markdown = report(Figure.of("ingest", "spans", 59_980, "spans/s").withBaseline("producer", 100_000)
                .withTargets(Target.ratioAtLeast(0.6))).markdown();

        assertThat(markdown).contains("| 0.599 | ≥ 0.60 × baseline | **missed** |");
    }

    @Test
    void shouldWriteEveryFigureAsJsonWithNullForWhatWasNotMeasured() throws Exception {
        JsonNode json = new ObjectMapper().readTree(report(
                Figure.of("ingest", "spans", 45_000, "spans/s").withBaseline("producer", 100_000)
                        .withTargets(Target.ratioAtLeast(0.6)),
                Figure.of("freshness", "p99", Double.NaN, "ms").withTargets(Target.below(500))).json());

        assertThat(json.at("/machine/cores").asInt()).isEqualTo(2);
        assertThat(json.at("/machine/load_average_at_end").asDouble()).isEqualTo(2.5);
        assertThat(json.at("/versions/kafka").asText()).isEqualTo("4.3.1");
        assertThat(json.at("/settings/size").asText()).isEqualTo("quick");
        assertThat(json.at("/elapsed_s").asDouble()).isEqualTo(90.0);
        JsonNode ingest = json.at("/figures/0");
        assertThat(ingest.get("value").asDouble()).isEqualTo(45_000);
        assertThat(ingest.at("/baseline/name").asText()).isEqualTo("producer");
        assertThat(ingest.get("ratio").asDouble()).isEqualTo(0.45);
        assertThat(ingest.at("/targets/0/kind").asText()).isEqualTo("ratio_at_least");
        assertThat(ingest.at("/targets/0/met").asBoolean()).isFalse();
        JsonNode freshness = json.at("/figures/1");
        assertThat(freshness.get("value").isNull()).isTrue();
        assertThat(freshness.get("baseline").isNull()).isTrue();
        assertThat(freshness.get("ratio").isNull()).isTrue();
        assertThat(freshness.at("/targets/0/text").asText()).isEqualTo("< 500 ms");
    }
}
