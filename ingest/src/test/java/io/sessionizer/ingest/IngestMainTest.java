package io.sessionizer.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class IngestMainTest {

    private static String[] run(String... args) {
        CommandLine commandLine = IngestMain.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        commandLine.setOut(new PrintWriter(out));
        commandLine.setErr(new PrintWriter(err));
        int exitCode = commandLine.execute(args);
        return new String[] {Integer.toString(exitCode), out.toString(), err.toString()};
    }

    @Test
    void shouldFailFastNamingTheBadSetting() {
        String[] result = run("--set", "http.port=not-a-port");

        assertThat(result[0]).isEqualTo(Integer.toString(IngestMain.CONFIG_ERROR));
        assertThat(result[2]).contains(
                "Configuration error: Invalid value 'not-a-port' for http.port (from command line): not an integer");
    }

    @Test
    void shouldRejectAnUnknownSetting() {
        String[] result = run("--set", "http.prot=4318");

        assertThat(result[0]).isEqualTo(Integer.toString(IngestMain.CONFIG_ERROR));
        assertThat(result[2]).contains("Unknown setting 'http.prot'");
    }

    @Test
    void shouldRefuseALimitOfZeroWhichWouldMeanUnlimited() {
        String[] result = run("--set", "http.max-request-size=0");

        assertThat(result[0]).isEqualTo(Integer.toString(IngestMain.CONFIG_ERROR));
        assertThat(result[2]).contains("http.max-request-size must be at least 1024 bytes, got 0");
    }

    @Test
    void shouldListEverySettingInTheHelp() {
        String[] result = run("--help");

        assertThat(result[0]).isEqualTo("0");
        for (var setting : IngestSettings.all()) {
            assertThat(result[1]).contains(setting.name());
        }
    }
}
