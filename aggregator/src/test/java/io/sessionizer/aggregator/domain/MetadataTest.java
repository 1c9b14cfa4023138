package io.sessionizer.aggregator.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.sessionizer.testing.OtlpTraces;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MetadataTest {
    private final Map<String, String> metadata = new LinkedHashMap<>();
    private final List<String> tags = new ArrayList<>();
    private final TurnLimits.Cuts cuts = new TurnLimits.Cuts();

    private boolean read(KeyValue attribute) {
        return Metadata.read(attribute.getKey(), attribute.getValue(), metadata, tags, cuts);
    }

    private boolean read(String key, String value) {
        return read(OtlpTraces.attribute(key, value));
    }

    private static KeyValue array(String key, String... values) {
        ArrayValue.Builder array = ArrayValue.newBuilder();
        for (String value : values) {
            array.addValues(AnyValue.newBuilder().setStringValue(value));
        }
        return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setArrayValue(array)).build();
    }

    @Test
    void shouldFlattenOpenInferenceMetadataToDottedKeysKeepingScalarsAsText() {
        assertThat(read("metadata", "{\"user\":{\"plan\":\"pro\",\"seats\":12,\"address\":{\"city\":\"Lyon\"}},"
                + "\"score\":0.50,\"beta\":true,\"thread_id\":\"t-1\"}")).isTrue();

        assertThat(metadata).containsExactly(entry("user.plan", "pro"), entry("user.seats", "12"),
                entry("user.address.city", "Lyon"), entry("score", "0.50"), entry("beta", "true"),
                entry("thread_id", "t-1"));
        assertThat(cuts.metadata()).isZero();
    }

    @Test
    void shouldSkipArraysNullsAndEmptyValuesOfTheJson() {
        read("metadata", "{\"ids\":[1,2,{\"a\":1}],\"none\":null,\"empty\":\"\",\"nested\":{},\"kept\":\"x\"}");

        assertThat(metadata).containsExactly(entry("kept", "x"));
    }

    @Test
    void shouldIgnoreMetadataThatIsNotAJsonObjectOrIsMalformed() {
        assertThat(read("metadata", "[{\"a\":1}]")).isFalse();
        assertThat(read("metadata", "{\"a\":\"1\",\"b\":")).isFalse();
        assertThat(read("metadata", "{\"a\":\"1\"} trailing")).isFalse();
        assertThat(read("metadata", "plain text")).isFalse();
        assertThat(read(OtlpTraces.attribute("metadata", 42L))).isFalse();

        assertThat(metadata).isEmpty();
    }

    @Test
    void shouldReadOneKeyPerAttributeOfLangfuseLangSmithAndTraceloop() {
        read("langfuse.trace.metadata.environment", "prod");
        read(OtlpTraces.attribute("langsmith.metadata.attempt", 3L));
        read(OtlpTraces.attribute("traceloop.association.properties.premium", true));
        read(OtlpTraces.attribute("langsmith.metadata.temperature", 0.5));
        read("langsmith.metadata.", "no key");
        read("langfuse.trace.metadata.empty", "");

        assertThat(metadata).containsExactly(entry("environment", "prod"), entry("attempt", "3"),
                entry("premium", "true"), entry("temperature", "0.5"));
    }

    @Test
    void shouldShareKeysAcrossConventionsKeepingTheFirstValue() {
        read("langsmith.metadata.thread_id", "first");
        read("metadata", "{\"thread_id\":\"second\"}");
        read("traceloop.association.properties.thread_id", "third");

        assertThat(metadata).containsExactly(entry("thread_id", "first"));
    }

    @Test
    void shouldReadTagsFromAStringArrayAJsonArrayOrAPlainString() {
        assertThat(read(array("tag.tags", "alpha", "beta"))).isTrue();
        read("langfuse.trace.tags", "[\"beta\", \"gamma\", 7, null, [\"nested\"], {\"x\":1}]");
        read("tag.tags", "delta");
        read("tag.tags", "[\"unterminated\"");

        assertThat(tags).containsExactly("alpha", "beta", "gamma", "7", "delta");
    }

    @Test
    void shouldIgnoreOtherAttributes() {
        assertThat(read("session.id", "s")).isFalse();
        assertThat(read("metadata.x", "1")).isFalse();
        assertThat(read("langsmith.metadatax", "1")).isFalse();

        assertThat(metadata).isEmpty();
        assertThat(tags).isEmpty();
    }

    @Test
    void shouldKeepAtMost64KeysCountingEachDroppedOne() {
        StringBuilder json = new StringBuilder("{");
        for (int i = 0; i < 70; i++) {
            json.append(i == 0 ? "" : ",").append("\"k").append(i).append("\":").append(i);
        }
        read("metadata", json.append('}').toString());
        read("langfuse.trace.metadata.k0", "not the first");
        read("langfuse.trace.metadata.late", "dropped");

        assertThat(metadata).hasSize(TurnLimits.MAX_METADATA_KEYS).containsEntry("k0", "0").containsEntry("k63", "63")
                .doesNotContainKey("k64").doesNotContainKey("late");
        assertThat(cuts.metadata()).as("6 of the JSON and one attribute; a key already there is no cut")
                .isEqualTo(7);
    }

    @Test
    void shouldCutKeysValuesAndTagsTo256CharactersCountingEachCut() {
        String longKey = "k".repeat(300);
        read("langsmith.metadata." + longKey, "v".repeat(257));
        read("langsmith.metadata.short", "s".repeat(256));
        read(array("tag.tags", "t".repeat(1000)));
        // A surrogate pair at the cut is not split.
        read("langfuse.trace.metadata.emoji", "e".repeat(255) + "\uD83D\uDE00");

        assertThat(metadata).containsEntry("k".repeat(256), "v".repeat(256))
                .containsEntry("short", "s".repeat(256)).containsEntry("emoji", "e".repeat(255));
        assertThat(tags).containsExactly("t".repeat(256));
        assertThat(cuts.metadata()).as("key and value, tag, emoji value").isEqualTo(4);
    }

    @Test
    void shouldKeepAtMost32TagsCountingEachDroppedOne() {
        String[] many = new String[40];
        for (int i = 0; i < many.length; i++) {
            many[i] = "tag-" + (i % 35);
        }
        read(array("tag.tags", many));

        assertThat(tags).hasSize(TurnLimits.MAX_TAGS).startsWith("tag-0").endsWith("tag-31");
        assertThat(cuts.metadata()).as("tag-32 to tag-34, each once; repeats of kept tags are no cut").isEqualTo(3);
    }

    @Test
    void shouldMergeOnlyWhatIsNewSoThatADroppedEntryCountsOnce() {
        Map<String, String> full = new HashMap<>();
        for (int i = 0; i < TurnLimits.MAX_METADATA_KEYS; i++) {
            full.put("k" + i, "v");
        }
        Map<String, String> turn = Map.of("k0", "other", "extra", "x");

        Metadata.putAll(full, turn, Map.of(), cuts);
        Metadata.putAll(full, turn, turn, cuts);

        assertThat(full).hasSize(TurnLimits.MAX_METADATA_KEYS).containsEntry("k0", "v").doesNotContainKey("extra");
        assertThat(cuts.metadata()).isEqualTo(1);
    }
}
