package io.sessionizer.launcher.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ConfigReferenceTest {
    @Test
    void shouldMatchTheReferenceInTheReadme() throws Exception {
        String readme = Files.readString(Path.of(System.getProperty("sessionizer.readme", "../../../README.md")));
        int begin = readme.indexOf(ConfigReference.BEGIN);
        int end = readme.indexOf(ConfigReference.END);
        assertThat(begin).as("README.md has the generated configuration reference").isNotNegative();
        String inReadme = readme.substring(begin, end + ConfigReference.END.length()) + "\n";
        assertThat(inReadme)
                .as("README.md's configuration reference is stale: replace it with the output of ConfigReference")
                .isEqualTo(ConfigReference.render());
    }

    @Test
    void shouldListEverySettingWithItsEnvironmentVariable() {
        assertThat(ConfigReference.render())
                .contains("| `session.idle-timeout` | `SESSIONIZER_SESSION_IDLE_TIMEOUT` | `30m` |")
                .contains("| `http.port` | `SESSIONIZER_HTTP_PORT` | `4318` |")
                .contains("| `schema.registry.url` |");
    }
}
