package io.sessionizer.jmh;

import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;
import io.sessionizer.aggregator.domain.SessionKeyResolver;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;

/**
 * Session-key lookup ({@link SessionKeyResolver}, the default ten keys) on one span's attributes: the agent root that
 * carries {@code session.id}, an LLM span that carries no key (most spans), and a LangChain root whose key is a field
 * of the JSON attribute {@code metadata}. The baseline is the floor of any lookup of several names: one pass over the
 * attributes with a hash lookup of each name, returning the first value found, with no lookup order and no JSON.
 */
public class SessionKeyBenchmark extends HotPathBenchmark {
    @Param({"agent-root", "llm", "metadata-json"})
    public String span;

    private SessionKeyResolver resolver;
    private Map<String, Integer> names;
    private List<KeyValue> attributes;

    @Setup
    public void setUp() {
        resolver = new SessionKeyResolver(SessionKeyResolver.DEFAULT_KEYS);
        names = new HashMap<>();
        for (String key : SessionKeyResolver.DEFAULT_KEYS) {
            names.putIfAbsent(key.split("#")[0], names.size());
        }
        List<Span> spans = BenchmarkData.spans(BenchmarkData.traces(1).get(0));
        attributes = switch (span) {
            case "agent-root" -> spans.get(0).getAttributesList();
            case "llm" -> spans.get(2).getAttributesList();
            case "metadata-json" -> metadataRoot(spans.get(0).getAttributesList());
            default -> throw new IllegalArgumentException(span);
        };
    }

    /** The agent root with its session key moved into OpenInference's JSON {@code metadata}, as LangChain has it. */
    private static List<KeyValue> metadataRoot(List<KeyValue> root) {
        List<KeyValue> attributes = new ArrayList<>();
        for (KeyValue kv : root) {
            if (kv.getKey().equals("session.id")) {
                String json = "{\"ls_provider\":\"openai\",\"ls_model_name\":\"gpt-4o\",\"thread_id\":\""
                        + kv.getValue().getStringValue() + "\"}";
                kv = KeyValue.newBuilder().setKey("metadata")
                        .setValue(AnyValue.newBuilder().setStringValue(json)).build();
            }
            attributes.add(kv);
        }
        return attributes;
    }

    @Benchmark
    public String baseline() {
        for (KeyValue kv : attributes) {
            if (names.get(kv.getKey()) != null) {
                return kv.getValue().getStringValue();
            }
        }
        return null;
    }

    @Benchmark
    public String resolve() {
        return resolver.resolve(attributes);
    }
}
