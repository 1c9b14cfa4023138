package io.sessionizer.aggregator.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.net.URISyntaxException;
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

    @Test
    void shouldPriceCachedPromptTokensApart() {
        PriceTable.Price sonnet = table.find("claude-sonnet-4-20250514");
        // 1M prompt tokens of which 600k read from cache and 100k written: 300k at $3, 600k at $0.30, 100k at $3.75
        assertThat(sonnet.prompt(1_000_000, 600_000, 100_000)).isCloseTo(0.9 + 0.18 + 0.375, within(1e-9));
        assertThat(table.find("gpt-4o").prompt(1_000_000, 1_000_000, 0)).isCloseTo(1.25, within(1e-9));
        assertThat(sonnet.prompt(1_000, 0, 0)).isCloseTo(0.003, within(1e-12));
    }

    @Test
    void shouldNeverPriceMoreCachedTokensThanPromptTokensBelowZero() {
        PriceTable.Price sonnet = table.find("claude-sonnet-4");
        // Anthropic counts input_tokens without the cached ones; an instrumentation passing them through must not
        // yield a negative uncached remainder.
        assertThat(sonnet.prompt(10, 1_000_000, 0)).isCloseTo(0.30, within(1e-9));
    }

    @Test
    void shouldPriceCachedTokensAtThePromptPriceWhenTheTableGivesNone(@TempDir Path dir) throws Exception {
        assertThat(table.find("gpt-4-turbo").prompt(1_000_000, 500_000, 500_000)).isCloseTo(10.0, within(1e-9));
        Path file = dir.resolve("prices.json");
        Files.writeString(file, "{\"models\": {\"m\": {\"prompt_usd_per_million_tokens\": 2,"
                + " \"completion_usd_per_million_tokens\": 4, \"cache_read_usd_per_million_tokens\": 0.5}}}");
        PriceTable.Price price = PriceTable.fromFile(file).find("m");
        assertThat(price.cacheReadPerMillion()).isEqualTo(0.5);
        assertThat(price.cacheWritePerMillion()).isEqualTo(2.0);
    }

    @Test
    void shouldReadLiteLlmsPriceFile() throws Exception {
        PriceTable litellm = PriceTable.fromFile(resource("prices/litellm-excerpt.json"));
        PriceTable.Price sonnet = litellm.find("claude-sonnet-4-20250514");
        assertThat(sonnet.promptPerMillion()).isCloseTo(3.0, within(1e-9));
        assertThat(sonnet.completionPerMillion()).isCloseTo(15.0, within(1e-9));
        assertThat(sonnet.cacheReadPerMillion()).isCloseTo(0.30, within(1e-9));
        assertThat(sonnet.cacheWritePerMillion()).isCloseTo(3.75, within(1e-9));
        assertThat(litellm.find("gpt-4o-mini-2024-07-18").cacheReadPerMillion()).isCloseTo(0.075, within(1e-9));
        PriceTable.Price jamba = litellm.find("ai21.jamba-1-5-large-v1:0");
        assertThat(jamba.cacheReadPerMillion()).isEqualTo(jamba.promptPerMillion());
        assertThat(litellm.find("claude-3-opus")).as("the file replaces the built-in table").isNull();
    }

    @Test
    void shouldSkipLiteLlmEntriesThatPriceNoTokens() throws Exception {
        PriceTable litellm = PriceTable.fromFile(resource("prices/litellm-excerpt.json"));
        assertThat(litellm.find("sample_spec")).isNull();
        assertThat(litellm.find("dall-e-2")).isNull();
        assertThat(litellm.find("gpt-image-1.5")).isNull();
        PriceTable.Price embedding = litellm.find("text-embedding-3-small");
        assertThat(embedding.promptPerMillion()).isCloseTo(0.02, within(1e-9));
        assertThat(embedding.completionPerMillion()).as("no output cost: nothing is completed").isZero();
    }

    @Test
    void shouldIndexLiteLlmProviderPrefixedNamesWithoutTheirPrefix() throws Exception {
        PriceTable litellm = PriceTable.fromFile(resource("prices/litellm-excerpt.json"));
        assertThat(litellm.find("gemini-2.5-pro").cacheReadPerMillion()).isCloseTo(0.125, within(1e-9));
        assertThat(litellm.find("moonshot-v1-8k").promptPerMillion()).isCloseTo(0.2, within(1e-9));
        assertThat(litellm.find("qwq-32b").completionPerMillion()).isCloseTo(0.2, within(1e-9));
        // azure/gpt-4o-mini comes first in the file, yet the unprefixed entry keeps its own name
        assertThat(litellm.find("gpt-4o-mini").promptPerMillion()).isCloseTo(0.15, within(1e-9));
        assertThat(litellm.find("openai/gpt-4o-mini").promptPerMillion()).isCloseTo(0.15, within(1e-9));
        assertThat(litellm.find("azure/gpt-4o-mini").promptPerMillion()).isCloseTo(0.165, within(1e-9));
    }

    @Test
    void shouldRejectAFileThatIsNeitherFormat(@TempDir Path dir) throws Exception {
        Path array = dir.resolve("array.json");
        Files.writeString(array, "[1, 2]");
        assertThatThrownBy(() -> PriceTable.fromFile(array)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a JSON object");
        Path empty = dir.resolve("empty.json");
        Files.writeString(empty, "{\"sample_spec\": {\"input_cost_per_token\": 0.0}}");
        assertThatThrownBy(() -> PriceTable.fromFile(empty)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("prices no model");
        Path broken = dir.resolve("broken.json");
        Files.writeString(broken, "{\"models\": {");
        assertThatThrownBy(() -> PriceTable.fromFile(broken)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Cannot read price table");
    }

    @Test
    void shouldRejectABadLiteLlmEntry(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("litellm.json");
        Files.writeString(file, "{\"gpt-x\": {\"input_cost_per_token\": 1e-06, \"output_cost_per_token\": \"cheap\"}}");
        assertThatThrownBy(() -> PriceTable.fromFile(file)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'gpt-x'").hasMessageContaining("output_cost_per_token");
        Files.writeString(file, "{\"gpt-x\": 3}");
        assertThatThrownBy(() -> PriceTable.fromFile(file)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'gpt-x' is not an object");
        Files.writeString(file, "{\"models\": {\"m\": {\"prompt_usd_per_million_tokens\": 1,"
                + " \"completion_usd_per_million_tokens\": 1, \"cache_read_usd_per_million_tokens\": -1}}}");
        assertThatThrownBy(() -> PriceTable.fromFile(file)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cache_read_usd_per_million_tokens");
    }

    private static Path resource(String name) throws URISyntaxException {
        return Path.of(PriceTableTest.class.getClassLoader().getResource(name).toURI());
    }
}
