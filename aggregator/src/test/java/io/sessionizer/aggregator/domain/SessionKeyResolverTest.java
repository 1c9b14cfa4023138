package io.sessionizer.aggregator.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;
import io.sessionizer.testing.OtlpTraces;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SessionKeyResolverTest {
    private final SessionKeyResolver resolver = new SessionKeyResolver(SessionKeyResolver.DEFAULT_KEYS);

    private static List<KeyValue> attributes(String... keyValues) {
        Span.Builder span = OtlpTraces.span(1, 1, 0, 0, 1);
        for (int i = 0; i < keyValues.length; i += 2) {
            OtlpTraces.attr(span, keyValues[i], keyValues[i + 1]);
        }
        return span.getAttributesList();
    }

    @ParameterizedTest
    @CsvSource({
        "session.id, s-openinference",
        "gen_ai.conversation.id, s-genai",
        "langfuse.session.id, s-langfuse",
        "langsmith.metadata.session_id, s-langsmith",
        "langsmith.metadata.thread_id, s-langsmith-thread",
        "langsmith.metadata.conversation_id, s-langsmith-conversation",
        "traceloop.association.properties.session_id, s-traceloop"})
    void shouldFindEachConventionsSessionAttribute(String attribute, String value) {
        assertThat(resolver.resolve(attributes(attribute, value))).isEqualTo(value);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "{\"session_id\": \"s-1\", \"user\": \"u\"}       | s-1",
        "{\"conversation_id\": \"c-1\"}                   | c-1",
        "{\"thread_id\": \"t-1\", \"other\": {\"a\": 1}}  | t-1",
        "{\"thread_id\": 42}                              | 42"})
    void shouldReadLangChainKeysFromOpenInferenceMetadataJson(String metadata, String expected) {
        assertThat(resolver.resolve(attributes("metadata", metadata))).isEqualTo(expected);
    }

    @Test
    void shouldPreferSessionIdOverThreadIdInMetadata() {
        assertThat(resolver.resolve(attributes("metadata", "{\"thread_id\": \"t\", \"session_id\": \"s\"}")))
                .isEqualTo("s");
    }

    @Test
    void shouldFollowTheConfiguredOrderNotTheAttributeOrder() {
        List<KeyValue> attributes = attributes(
                "traceloop.association.properties.session_id", "late",
                "langfuse.session.id", "middle",
                "session.id", "first");
        assertThat(resolver.resolve(attributes)).isEqualTo("first");
        assertThat(new SessionKeyResolver(List.of("langfuse.session.id", "session.id")).resolve(attributes))
                .isEqualTo("middle");
    }

    @Test
    void shouldFallThroughMetadataWithoutSessionKeysToLaterConventions() {
        assertThat(resolver.resolve(attributes("metadata", "{\"user\": \"u\"}",
                "traceloop.association.properties.session_id", "s-tl"))).isEqualTo("s-tl");
    }

    @Test
    void shouldIgnoreMalformedMetadataAndEmptyValues() {
        assertThat(resolver.resolve(attributes("metadata", "{not json", "session.id", ""))).isNull();
        assertThat(resolver.resolve(attributes("metadata", "[\"session_id\"]"))).isNull();
    }

    @Test
    void shouldReturnNullForASpanWithoutSessionKey() {
        assertThat(resolver.resolve(attributes("input.value", "hello"))).isNull();
    }

    @Test
    void shouldAcceptIntegerSessionIds() {
        Span.Builder span = OtlpTraces.attr(OtlpTraces.span(1, 1, 0, 0, 1), "session.id", 1234L);
        assertThat(resolver.resolve(span.getAttributesList())).isEqualTo("1234");
    }

    @Test
    void shouldRejectMalformedEntries() {
        assertThatThrownBy(() -> new SessionKeyResolver(List.of("metadata#"))).hasMessageContaining("metadata#");
        assertThatThrownBy(() -> new SessionKeyResolver(List.of()))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
