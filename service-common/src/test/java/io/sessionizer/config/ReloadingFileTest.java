package io.sessionizer.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReloadingFileTest {
    @TempDir
    Path dir;

    /** Accepts a number, refuses anything else. */
    private static Integer parse(byte[][] contents) {
        int sum = 0;
        for (byte[] content : contents) {
            sum += Integer.parseInt(new String(content, StandardCharsets.UTF_8).trim());
        }
        return sum;
    }

    @Test
    void shouldTakeAChangedContentAndKeepTheValueForABadOrMissingOne() throws IOException {
        Path file = dir.resolve("n");
        Files.writeString(file, "1");
        try (ReloadingFile<Integer> n = new ReloadingFile<>(List.of(new ReloadingFile.Source("n", file)),
                Duration.ZERO, ReloadingFileTest::parse, String::valueOf)) {
            assertThat(n.current()).isEqualTo(1);
            assertThat(n.reloading()).isFalse();
            assertThat(n.check()).as("unchanged").isFalse();

            Files.writeString(file, "2");
            assertThat(n.check()).isTrue();
            assertThat(n.current()).isEqualTo(2);

            Files.writeString(file, "two");
            assertThat(n.check()).isFalse();
            assertThat(n.check()).isFalse();
            assertThat(n.current()).isEqualTo(2);
            assertThat(n.stale()).isTrue();

            Files.writeString(file, "2");
            assertThat(n.check()).as("back to the content in use").isFalse();
            assertThat(n.stale()).isFalse();

            Files.delete(file);
            assertThat(n.check()).isFalse();
            assertThat(n.stale()).isTrue();
            assertThat(n.current()).isEqualTo(2);

            Files.writeString(file, "3");
            assertThat(n.check()).isTrue();
            assertThat(n.current()).isEqualTo(3);
            assertThat(n.stale()).isFalse();
        }
    }

    @Test
    void shouldTakeAPairOnceBothFilesAgree() throws IOException {
        Path a = dir.resolve("a");
        Path b = dir.resolve("b");
        Files.writeString(a, "1");
        Files.writeString(b, "1");
        try (ReloadingFile<Integer> n = new ReloadingFile<>(List.of(new ReloadingFile.Source("a", a),
                new ReloadingFile.Source("b", b)), Duration.ZERO, ReloadingFileTest::parse, String::valueOf)) {
            Files.writeString(a, "x");
            assertThat(n.check()).as("a first failure waits for the next check").isFalse();
            assertThat(n.check()).as("the same content again: reported").isFalse();
            assertThat(n.current()).isEqualTo(2);
            Files.writeString(a, "5");
            assertThat(n.check()).isTrue();
            assertThat(n.current()).isEqualTo(6);
        }
    }

    @Test
    void shouldNameTheFileThatCannotBeReadAtStart() {
        Path missing = dir.resolve("missing");
        assertThatThrownBy(() -> new ReloadingFile<>(List.of(new ReloadingFile.Source("some.setting", missing)),
                Duration.ZERO, ReloadingFileTest::parse, String::valueOf))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("Cannot read some.setting " + missing);
    }

    @Test
    void shouldCheckOnItsOwn() throws IOException {
        Path file = dir.resolve("n");
        Files.writeString(file, "1");
        try (ReloadingFile<Integer> n = new ReloadingFile<>(List.of(new ReloadingFile.Source("n", file)),
                Duration.ofMillis(20), ReloadingFileTest::parse, String::valueOf)) {
            assertThat(n.reloading()).isTrue();
            Files.writeString(file, "7");
            await().atMost(Duration.ofSeconds(10)).until(() -> n.current() == 7);
        }
    }
}
