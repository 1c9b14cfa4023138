package io.sessionizer.aggregator.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PriceTableTest {
    private final PriceTable table = PriceTable.builtIn();

    @Test
    void shouldMatchDatedReleasesToTheirFamily() {
        assertThat(table.find("gpt-4o-2024-08-06")).isEqualTo(table.find("gpt-4o"));
        assertThat(table.find("claude-3-5-sonnet-20241022").promptPerMillion()).isEqualTo(3.0);
        assertThat(table.find("openai/gpt-4o-mini").promptPerMillion()).isEqualTo(0.15);
    }

    @Test
    void shouldPreferTheLongestListedName() {
        assertThat(table.find("gpt-4o-mini-2024-07-18").promptPerMillion()).isEqualTo(0.15);
        assertThat(table.find("gpt-4-turbo-2024-04-09").promptPerMillion()).isEqualTo(10.0);
    }

    @Test
    void shouldNotPriceAnUnlistedModelWithAnotherModelsPrice() {
        assertThat(table.find("gpt-4.5-preview")).isNull();
        assertThat(table.find("llama-3-70b")).isNull();
        assertThat(table.find(null)).isNull();
    }

    @Test
    void shouldReplaceTheBuiltInTableWithAFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("prices.json");
        Files.writeString(file, "{\"models\": {\"my-model\": {\"prompt_usd_per_million_tokens\": 1,"
                + " \"completion_usd_per_million_tokens\": 2}}}");
        PriceTable custom = PriceTable.fromFile(file);
        assertThat(custom.find("my-model").completion(1_000_000)).isEqualTo(2.0);
        assertThat(custom.find("gpt-4o")).isNull();
    }

    @Test
    void shouldRejectAMalformedTable(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("bad.json");
        Files.writeString(file, "{\"models\": {\"m\": {\"prompt_usd_per_million_tokens\": \"cheap\"}}}");
        assertThatThrownBy(() -> PriceTable.fromFile(file)).hasMessageContaining("'m'");
    }
}
