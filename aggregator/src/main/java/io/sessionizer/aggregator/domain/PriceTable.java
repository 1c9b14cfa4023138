package io.sessionizer.aggregator.domain;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;

/**
 * Model prices in USD per million tokens, for LLM spans that carry token counts but no {@code llm.cost.*}. A model
 * matches its exact name, else the longest listed name it starts with up to a {@code -}, {@code :} or {@code @}, so
 * that dated releases ({@code gpt-4o-2024-08-06}) take their family's price, {@code gpt-4o-mini} does not take
 * {@code gpt-4o}'s, and an unlisted {@code gpt-4.5} does not take {@code gpt-4}'s. A provider prefix
 * ({@code openai/gpt-4o}) is ignored unless the table lists the prefixed name itself.
 *
 * <p>Two file formats are read. Ours is a root object with a {@code models} object of name →
 * {@code prompt_usd_per_million_tokens}, {@code completion_usd_per_million_tokens} and optionally
 * {@code cache_read_usd_per_million_tokens}, {@code cache_write_usd_per_million_tokens}. Any other root object is read
 * as LiteLLM's {@code model_prices_and_context_window.json}: name → {@code input_cost_per_token},
 * {@code output_cost_per_token}, {@code cache_read_input_token_cost}, {@code cache_creation_input_token_cost} in USD
 * per token. A cache price the table does not give is the prompt price.
 */
public final class PriceTable {
    /** The table shipped with the project. */
    public static final String BUILT_IN = "/model-prices.json";

    /** LiteLLM's documentation entry, which describes the fields and is no model. */
    private static final String LITELLM_SAMPLE = "sample_spec";

    private final HashMap<String, Price> prices;

    /**
     * The prices of one model in USD per million tokens. Prompt token counts include the cached ones (OpenAI,
     * OpenInference and GenAI semantics), so cached tokens are taken out of the prompt price and priced on their own.
     */
    public record Price(double promptPerMillion, double completionPerMillion, double cacheReadPerMillion,
            double cacheWritePerMillion) {
        /** The cost of {@code promptTokens}: {@code cacheRead} of them read from cache, {@code cacheWrite} written. */
        public double prompt(long promptTokens, long cacheRead, long cacheWrite) {
            long uncached = Math.max(0, promptTokens - cacheRead - cacheWrite);
            return (uncached * promptPerMillion + cacheRead * cacheReadPerMillion + cacheWrite * cacheWritePerMillion)
                    / 1_000_000d;
        }

        public double completion(long tokens) {
            return tokens * completionPerMillion / 1_000_000d;
        }
    }

    private PriceTable(HashMap<String, Price> prices) {
        this.prices = prices;
    }

    public static PriceTable builtIn() {
        try (InputStream in = PriceTable.class.getResourceAsStream(BUILT_IN)) {
            if (in == null) {
                throw new IllegalStateException("Missing resource " + BUILT_IN);
            }
            return parse(new ObjectMapper().readTree(in), BUILT_IN);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + BUILT_IN, e);
        }
    }

    /** A table from a file of our format or LiteLLM's; it replaces the built-in table entirely. */
    public static PriceTable fromFile(Path file) {
        try {
            return parse(new ObjectMapper().readTree(Files.readAllBytes(file)), file.toString());
        } catch (IOException e) {
            throw new IllegalArgumentException("Cannot read price table " + file + ": " + e.getMessage(), e);
        }
    }

    static PriceTable parse(JsonNode root, String source) {
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("Price table " + source + " is not a JSON object");
        }
        return root.has("models") ? parseOurs(root.get("models"), source) : parseLiteLlm(root, source);
    }

    private static PriceTable parseOurs(JsonNode models, String source) {
        if (!models.isObject()) {
            throw new IllegalArgumentException("Price table " + source + ": \"models\" is not an object");
        }
        HashMap<String, Price> prices = new HashMap<>();
        models.fields().forEachRemaining(e -> {
            String model = e.getKey();
            JsonNode entry = e.getValue();
            Double prompt = number(entry, "prompt_usd_per_million_tokens", source, model);
            Double completion = number(entry, "completion_usd_per_million_tokens", source, model);
            if (prompt == null || completion == null) {
                throw new IllegalArgumentException("Price table " + source + ": model '" + model
                        + "' needs numeric prompt_usd_per_million_tokens and completion_usd_per_million_tokens");
            }
            Double cacheRead = number(entry, "cache_read_usd_per_million_tokens", source, model);
            Double cacheWrite = number(entry, "cache_write_usd_per_million_tokens", source, model);
            prices.put(model.toLowerCase(Locale.ROOT), new Price(prompt, completion,
                    cacheRead != null ? cacheRead : prompt, cacheWrite != null ? cacheWrite : prompt));
        });
        return new PriceTable(prices);
    }

    /**
     * Entries without {@code input_cost_per_token} (images, audio seconds, per-request prices) are skipped: they price
     * no tokens. One without {@code output_cost_per_token} (embeddings, moderation) completes nothing, so its
     * completion price is 0. Names are indexed as listed and, for {@code azure/gpt-4o}, also after the last {@code /},
     * where an unprefixed entry of that name or else the first prefixed one in the file wins.
     */
    private static PriceTable parseLiteLlm(JsonNode root, String source) {
        HashMap<String, Price> prices = new HashMap<>();
        HashMap<String, Price> unprefixed = new HashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String model = e.getKey();
            if (model.equals(LITELLM_SAMPLE)) {
                continue;
            }
            if (!e.getValue().isObject()) {
                throw new IllegalArgumentException("Price table " + source + ": model '" + model
                        + "' is not an object; expected our format (a \"models\" object) or LiteLLM's"
                        + " model_prices_and_context_window.json");
            }
            JsonNode entry = e.getValue();
            Double input = number(entry, "input_cost_per_token", source, model);
            if (input == null) {
                continue;
            }
            Double output = number(entry, "output_cost_per_token", source, model);
            Double cacheRead = number(entry, "cache_read_input_token_cost", source, model);
            Double cacheWrite = number(entry, "cache_creation_input_token_cost", source, model);
            Price price = new Price(input * 1e6, output != null ? output * 1e6 : 0,
                    (cacheRead != null ? cacheRead : input) * 1e6, (cacheWrite != null ? cacheWrite : input) * 1e6);
            String name = model.toLowerCase(Locale.ROOT);
            prices.put(name, price);
            int slash = name.lastIndexOf('/');
            if (slash >= 0) {
                unprefixed.putIfAbsent(name.substring(slash + 1), price);
            }
        }
        unprefixed.forEach(prices::putIfAbsent);
        if (prices.isEmpty()) {
            throw new IllegalArgumentException("Price table " + source + " prices no model: expected our format"
                    + " (a \"models\" object) or LiteLLM's model_prices_and_context_window.json"
                    + " (models with input_cost_per_token)");
        }
        return new PriceTable(prices);
    }

    /** The field as a non-negative number, null when absent. */
    private static Double number(JsonNode entry, String field, String source, String model) {
        JsonNode value = entry.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isNumber() || value.asDouble() < 0) {
            throw new IllegalArgumentException("Price table " + source + ": model '" + model + "' has " + field
                    + " = " + value + ", not a non-negative number");
        }
        return value.asDouble();
    }

    /** The price of a model, or null when the table does not know it. */
    public Price find(String model) {
        if (model == null) {
            return null;
        }
        String name = model.toLowerCase(Locale.ROOT);
        Price exact = prices.get(name);
        if (exact != null) {
            return exact;
        }
        name = name.substring(name.lastIndexOf('/') + 1);
        for (int end = name.length(); end > 0; end--) {
            if (end == name.length() || "-:@".indexOf(name.charAt(end)) >= 0) {
                Price price = prices.get(name.substring(0, end));
                if (price != null) {
                    return price;
                }
            }
        }
        return null;
    }
}
