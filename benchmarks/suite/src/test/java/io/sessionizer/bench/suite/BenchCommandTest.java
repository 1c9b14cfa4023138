package io.sessionizer.bench.suite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import io.sessionizer.bench.Backlog;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

class BenchCommandTest {
    private static BenchCommand parse(String... args) {
        BenchCommand command = new BenchCommand();
        new CommandLine(command).parseArgs(args);
        return command;
    }

    @Test
    void shouldStoreAMillionSessionsByDefaultAndTenThousandInAQuickRun() {
        assertThat(parse().size().storedSessions()).isEqualTo(1_000_000);
        assertThat(parse("--quick").size().storedSessions()).isEqualTo(10_000);
        assertThat(parse().chosenSections()).containsExactly("ingest", "aggregator", "freshness", "queries");
    }

    @Test
    void shouldTakeTheStoredSessionsAndTheBacklogFromTheirFlags() {
        BenchSize size = parse("--quick", "--stored-sessions", "2000", "--backlog-spans", "50000",
                "--sections", "Queries,aggregator").size();

        assertThat(size.storedSessions()).isEqualTo(2_000);
        assertThat(size.backlogSpans()).isEqualTo(50_000);
        assertThat(size.freshnessDuration()).isEqualTo(BenchSize.QUICK.freshnessDuration());
        assertThat(size.settings()).containsEntry("stored_sessions", 2_000).containsEntry("size", "quick");
        assertThat(parse("--sections", "Queries,aggregator").chosenSections()).containsExactly("queries",
                "aggregator");
    }

    @Test
    void shouldRefuseAnUnknownSectionAndSizesTooSmall() {
        assertThatThrownBy(() -> parse("--sections", "ingest,rebuild").chosenSections())
                .isInstanceOf(ParameterException.class).hasMessageContaining("Unknown section 'rebuild'");
        assertThatThrownBy(() -> parse("--stored-sessions", "0").size())
                .isInstanceOf(ParameterException.class).hasMessageContaining("--stored-sessions");
        assertThatThrownBy(() -> parse("--backlog-spans", "4").size())
                .isInstanceOf(ParameterException.class).hasMessageContaining("--backlog-spans");
    }

    @Test
    void shouldReportBytesWrittenPerInputByteAgainstTheBaselineWithEveryTopic() {
        Backlog.Run aggregator = new Backlog.Run("aggregator", 20_000, 50, 1L << 30,
                Map.of("sessions-changelog", 150_000_000L, "sessions", 50_000_000L));
        Backlog.Run baseline = new Backlog.Run("baseline", 50_000, 20, 1L << 29,
                Map.of("baseline-repartition", 90_000_000L));

        List<Figure> figures = BenchCommand.aggregatorFigures(new Backlog.Result(1_000_000, 3, 100_000_000,
                baseline, aggregator));

        assertThat(figures.get(0).ratio()).isEqualTo(0.4);
        assertThat(figures.get(0).allTargetsMet()).isFalse();
        Figure written = figures.get(1);
        assertThat(written.value()).isEqualTo(2.0);
        assertThat(written.baseline().value()).isEqualTo(0.9);
        assertThat(written.unit()).isEqualTo(Figure.BYTES_PER_INPUT_BYTE);
        assertThat(written.allTargetsMet()).isTrue();
        assertThat(figures).extracting(Figure::name, Figure::value).contains(
                tuple("input: the spans topic", 100.0),
                tuple("aggregator wrote, in all", 200.0),
                tuple("aggregator wrote to sessions-changelog", 150.0),
                tuple("aggregator wrote to sessions", 50.0),
                tuple("repartition-only Streams app, exactly_once_v2 wrote to baseline-repartition", 90.0));
    }
}
