package io.sessionizer.aggregator.domain;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Model prices in USD per million tokens, for LLM spans that carry token counts but no {@code llm.cost.*}. A model
 * matches its exact name, else the longest listed name it starts with up to a {@code -}, {@code :} or {@code @}, so
 * that dated releases ({@code gpt-4o-2024-08-06}) take their family's price, {@code gpt-4o-mini} does not take
 * {@code gpt-4o}'s, and an unlisted {@code gpt-4.5} does not take {@code gpt-4}'s. A provider prefix
 * ({@code openai/gpt-4o}) is ignored.
 */
public final class PriceTable {
    /** The table shipped with the project. */
    public static final String BUILT_IN = "/model-prices.json";

    private final TreeMap<String, Price> prices;

    public record Price(double promptPerMillion, double completionPerMillion) {
        public double prompt(long tokens) {
            return tokens * promptPerMillion / 1_000_000d;
        }

        public double completion(long tokens) {
            return tokens * completionPerMillion / 1_000_000d;
        }
    }

    private PriceTable(TreeMap<String, Price> prices) {
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

    /** A table from a file of the same format as the built-in one; it replaces the built-in table entirely. */
    public static PriceTable fromFile(Path file) {
        try {
            return parse(new ObjectMapper().readTree(Files.readAllBytes(file)), file.toString());
        } catch (IOException e) {
            throw new IllegalArgumentException("Cannot read price table " + file + ": " + e.getMessage(), e);
        }
    }

    static PriceTable parse(JsonNode root, String source) {
        JsonNode models = root.path("models");
        if (!models.isObject()) {
            throw new IllegalArgumentException("Price table " + source + " has no \"models\" object");
        }
        TreeMap<String, Price> prices = new TreeMap<>();
        models.fields().forEachRemaining(e -> {
            JsonNode prompt = e.getValue().get("prompt_usd_per_million_tokens");
            JsonNode completion = e.getValue().get("completion_usd_per_million_tokens");
            if (prompt == null || !prompt.isNumber() || completion == null || !completion.isNumber()) {
                throw new IllegalArgumentException("Price table " + source + ": model '" + e.getKey()
                        + "' needs numeric prompt_usd_per_million_tokens and completion_usd_per_million_tokens");
            }
            prices.put(e.getKey().toLowerCase(Locale.ROOT), new Price(prompt.asDouble(), completion.asDouble()));
        });
        return new PriceTable(prices);
    }

    /** The price of a model, or null when the table does not know it. */
    public Price find(String model) {
        if (model == null) {
            return null;
        }
        String name = model.toLowerCase(Locale.ROOT);
        int slash = name.lastIndexOf('/');
        if (slash >= 0) {
            name = name.substring(slash + 1);
        }
        Map.Entry<String, Price> candidate = prices.floorEntry(name);
        while (candidate != null) {
            String listed = candidate.getKey();
            if (name.startsWith(listed) && (name.length() == listed.length()
                    || "-:@".indexOf(name.charAt(listed.length())) >= 0)) {
                return candidate.getValue();
            }
            candidate = prices.lowerEntry(candidate.getKey());
        }
        return null;
    }
}
