package io.sessionizer.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.trace.v1.Span;
import io.sessionizer.testing.GenAiPayloads.ChatCall;
import io.sessionizer.testing.GenAiPayloads.SpanIds;
import io.sessionizer.testing.GenAiPayloads.Tokens;
import io.sessionizer.testing.GenAiPayloads.ToolCall;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The builders against what the instrumentations emitted when run (OTLP/JSON captured by the scripts of
 * src/test/resources/genai/capture): same names, kinds, attribute keys in the same order and the same values, but
 * for values that hold the whole request or response JSON, ids the fake server made up, the port of the test server
 * and {@link #EXTRAS}.
 */
class GenAiPayloadsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String MODEL = "gpt-4o-mini";
    private static final String DATED_MODEL = "gpt-4o-mini-2024-07-18";
    private static final String SYSTEM = "You are terse.";
    private static final String WEATHER = "What is the weather in Paris?";
    private static final Tokens TOKENS = new Tokens(120, 15, 64, 5);
    private static final ToolCall TOOL = new ToolCall("call_abc", "get_weather", "{\"city\":\"Paris\"}",
            "{\"temperature_c\":18,\"sky\":\"sunny\"}");
    private static final List<ChatCall> SCENARIO = List.of(
            ChatCall.answer(MODEL, "What is the capital of France?", "Paris.", TOKENS),
            ChatCall.toolCall(MODEL, WEATHER, TOOL, TOKENS),
            ChatCall.answerAfterTool(MODEL, WEATHER, TOOL, "It is 18°C and sunny in Paris.", TOKENS));
    private static final SpanIds IDS = SpanIds.of(1, 2, 1, 0, 1000);
    /** Whole request or response bodies and tool schemas, whose key order and extras the test app chose. */
    private static final Set<String> BODIES = Set.of("input.value", "output.value", "llm.invocation_parameters",
            "llm.tools.0.tool.json_schema", "gen_ai.tool.definitions", "gen_ai.response.id");
    /** Request settings and a user id the captures carry and the builders leave out. */
    private static final Set<String> EXTRAS = Set.of("gen_ai.request.max_tokens", "gen_ai.request.temperature",
            "traceloop.association.properties.user_id");

    @Test
    void shouldShapeOpenInferenceLlmSpansAsTheInstrumentationEmitsThem() {
        List<JsonNode> captured = spans("oi.otlp-traces.json");
        for (int i = 0; i < SCENARIO.size(); i++) {
            ChatCall call = SCENARIO.get(i).withSystem(SYSTEM).withResponseModel(DATED_MODEL);
            Span built = GenAiPayloads.openInference().llmSpan(IDS, "sess-1", call);
            assertSameSpan(built, captured.get(i));
        }
    }

    @Test
    void shouldShapeTraceloopSpansAsTheSdkEmitsThem() {
        List<JsonNode> captured = spans("tlsdk.otlp-traces.json");
        GenAiPayloads.Traceloop traceloop = GenAiPayloads.traceloop();
        assertSameSpan(traceloop.llmSpan(IDS, "sess-1", "weather_chat",
                SCENARIO.get(1).withResponseModel(DATED_MODEL)), named(captured, "chat gpt-4o-mini", 0));
        assertSameSpan(traceloop.toolSpan(IDS, "sess-1", "weather_chat", TOOL), named(captured, "get_weather.tool", 0));
        assertSameSpan(traceloop.llmSpan(IDS, "sess-1", "weather_chat",
                SCENARIO.get(2).withResponseModel(DATED_MODEL)), named(captured, "chat gpt-4o-mini", 1));
        Span workflow = traceloop.workflowSpan(IDS, "sess-1", "weather_chat", WEATHER, "It is sunny.");
        Map<String, Object> capturedWorkflow = attributes(named(captured, "weather_chat.workflow", 0));
        capturedWorkflow.keySet().removeAll(EXTRAS);
        assertThat(attributes(workflow).keySet()).containsExactlyElementsOf(capturedWorkflow.keySet());
    }

    @Test
    void shouldShapeOtelGenAiSpansAndMessageLogsAsTheInstrumentationEmitsThem() {
        List<JsonNode> spans = spans("otel.otlp-traces.json");
        List<JsonNode> logs = logs("otel.otlp-logs.json");
        GenAiPayloads.OtelGenAi otel = GenAiPayloads.otelGenAi();
        int log = 0;
        for (int i = 0; i < SCENARIO.size(); i++) {
            ChatCall call = SCENARIO.get(i).withSystem(SYSTEM).withResponseModel(DATED_MODEL);
            assertSameSpan(otel.chatSpan(IDS, call), named(spans, "chat gpt-4o-mini", i));
            for (LogRecord built : otel.messageLogs(IDS, call)) {
                assertSameLog(built, logs.get(log++));
                assertThat(built.getSpanId()).isEqualTo(IDS.spanId());
                assertThat(built.getTraceId()).isEqualTo(IDS.traceId());
            }
        }
        assertThat(log).isEqualTo(logs.size());
        assertThat(attributes(otel.conversationSpan(IDS, "turn a", "sess-1")))
                .isEqualTo(attributes(named(spans, "turn a", 0)));
    }

    @Test
    void shouldShapeResponsesOperationDetailsLogsAsTheInstrumentationEmitsThem() {
        List<JsonNode> logs = logs("otelresp.otlp-logs.json");
        GenAiPayloads.OtelGenAi otel = GenAiPayloads.otelGenAi();
        for (int i = 0; i < SCENARIO.size(); i++) {
            ChatCall call = SCENARIO.get(i).withSystem(SYSTEM);
            assertSameLog(otel.responsesInputLog(IDS, call), logs.get(2 * i));
            assertSameLog(otel.responsesOutputLog(IDS, call), logs.get(2 * i + 1));
        }
    }

    @Test
    void shouldCarryTheConventionsKeysOnTheOperationDetailsEventAndExecuteToolSpan() {
        ChatCall call = SCENARIO.get(2).withSystem(SYSTEM);
        GenAiPayloads.OtelGenAi otel = GenAiPayloads.otelGenAi();
        Span.Event event = otel.operationDetailsEvent(IDS, call);
        assertThat(event.getName()).isEqualTo("gen_ai.client.inference.operation.details");
        Map<String, Object> attributes = attributes(event.getAttributesList());
        assertThat(attributes).containsKeys("gen_ai.input.messages", "gen_ai.output.messages",
                "gen_ai.system_instructions", "gen_ai.usage.cache_read.input_tokens",
                "gen_ai.usage.reasoning.output_tokens");
        assertThat(attributes.get("gen_ai.input.messages")).isEqualTo(List.of(
                Map.of("role", "user", "parts", List.of(Map.of("type", "text", "content", WEATHER))),
                Map.of("role", "assistant", "parts", List.of(Map.of("type", "tool_call", "id", "call_abc",
                        "name", "get_weather", "arguments", Map.of("city", "Paris")))),
                Map.of("role", "tool", "parts", List.of(Map.of("type", "tool_call_response", "id", "call_abc",
                        "response", TOOL.result())))));
        LogRecord log = otel.operationDetailsLog(IDS, call);
        assertThat(log.getEventName()).isEqualTo("gen_ai.client.inference.operation.details");
        assertThat(log.getAttributesList()).isEqualTo(event.getAttributesList());

        assertThat(attributes(otel.executeToolSpan(IDS, "sess-1", TOOL))).containsExactlyEntriesOf(
                orderedMap("gen_ai.operation.name", "execute_tool", "gen_ai.tool.name", "get_weather",
                        "gen_ai.tool.call.id", "call_abc", "gen_ai.tool.type", "function",
                        "gen_ai.tool.call.arguments", TOOL.arguments(), "gen_ai.tool.call.result", TOOL.result(),
                        "gen_ai.conversation.id", "sess-1"));
    }

    @Test
    void shouldShapeLangChainSpansAsTheInstrumentationEmitsThem() {
        List<JsonNode> captured = spans("lc.otlp-traces.json");
        GenAiPayloads.OpenInference openInference = GenAiPayloads.openInference();
        assertSameSpan(openInference.wrapperLlmSpan(IDS, "sess-1", SCENARIO.get(1).withSystem(SYSTEM)),
                named(captured, "ChatOpenAI", 0));
        assertSameSpan(openInference.langChainToolSpan(IDS, "sess-1", TOOL), named(captured, "get_weather", 0));
        assertSameSpan(openInference.wrapperLlmSpan(IDS, "sess-1", SCENARIO.get(2).withSystem(SYSTEM)),
                named(captured, "ChatOpenAI", 1));
    }

    @Test
    void shouldShapeOpenInferenceCoreToolSpansAsTraceToolMakesThem() {
        Span tool = GenAiPayloads.openInference().toolSpan(IDS, "sess-1", TOOL);
        assertThat(attributes(tool)).containsExactlyEntriesOf(orderedMap("session.id", "sess-1",
                "openinference.span.kind", "TOOL", "input.value", TOOL.arguments(), "input.mime_type",
                "application/json", "output.value", TOOL.result(), "output.mime_type", "application/json"));
    }

    @Test
    void shouldPutEachLibrarysSpansAndLogsUnderItsScope() {
        ChatCall call = SCENARIO.get(0);
        Span chat = GenAiPayloads.otelGenAi().chatSpan(IDS, call);
        Span app = GenAiPayloads.otelGenAi().conversationSpan(SpanIds.of(1, 1, 0, 0, 2000), "turn", "sess-1");
        var traces = GenAiPayloads.traces(GenAiPayloads.resourceSpans("chat-app",
                GenAiPayloads.scopeSpans(GenAiPayloads.OtelGenAi.APP_SCOPE, app),
                GenAiPayloads.scopeSpans(GenAiPayloads.OtelGenAi.SCOPE, chat)));
        assertThat(OtlpTraces.spans(traces)).containsExactly(app, chat);
        assertThat(traces.getResourceSpans(0).getScopeSpans(1).getScope().getName())
                .isEqualTo("@opentelemetry/instrumentation-openai");
        var logs = GenAiPayloads.logs(GenAiPayloads.resourceLogs("chat-app", GenAiPayloads.scopeLogs(
                GenAiPayloads.OtelGenAi.SCOPE, GenAiPayloads.otelGenAi().messageLogs(IDS, call))));
        assertThat(logs.getResourceLogs(0).getScopeLogs(0).getLogRecordsList()).hasSize(2)
                .allSatisfy(log -> assertThat(log.getTraceId()).isEqualTo(chat.getTraceId()));
    }

    private static void assertSameSpan(Span built, JsonNode captured) {
        assertThat(built.getName()).isEqualTo(captured.get("name").asText());
        assertThat(built.getKindValue()).isEqualTo(captured.get("kind").asInt());
        assertThat(built.getStatus().getCodeValue()).isEqualTo(captured.path("status").path("code").asInt());
        if (captured.has("flags")) {
            // The Traceloop SDK's own OTLP transformer (0.203) does not write span flags.
            assertThat(built.getFlags()).isEqualTo(captured.get("flags").asInt());
        }
        assertSameAttributes(attributes(built), attributes(captured));
    }

    private static void assertSameLog(LogRecord built, JsonNode captured) {
        assertThat(built.getEventName()).isEqualTo(captured.path("eventName").asText(""));
        assertThat(built.getSeverityNumberValue()).isEqualTo(captured.get("severityNumber").asInt());
        assertThat(built.getFlags()).isEqualTo(captured.get("flags").asInt());
        assertThat(plain(built.getBody())).isEqualTo(plain(captured.get("body")));
        assertSameAttributes(attributes(built.getAttributesList()), attributes(captured));
    }

    private static void assertSameAttributes(Map<String, Object> built, Map<String, Object> captured) {
        captured.keySet().removeAll(EXTRAS);
        assertThat(built.keySet()).containsExactlyElementsOf(captured.keySet());
        captured.forEach((key, value) -> {
            if (!BODIES.contains(key) && !key.equals("server.port")) {
                assertThat(built.get(key)).as(key).isEqualTo(value);
            }
        });
    }

    private static Map<String, Object> attributes(Span span) {
        return attributes(span.getAttributesList());
    }

    private static Map<String, Object> attributes(List<KeyValue> attributes) {
        Map<String, Object> map = new LinkedHashMap<>();
        attributes.forEach(kv -> map.put(kv.getKey(), plain(kv.getValue())));
        return map;
    }

    private static Map<String, Object> attributes(JsonNode spanOrLog) {
        Map<String, Object> map = new LinkedHashMap<>();
        spanOrLog.path("attributes").forEach(kv -> map.put(kv.get("key").asText(), plain(kv.get("value"))));
        return map;
    }

    /** An AnyValue as plain Java: String, Long, Double, Boolean, List, Map, or null when empty. */
    private static Object plain(AnyValue value) {
        return switch (value.getValueCase()) {
            case STRING_VALUE -> value.getStringValue();
            case INT_VALUE -> value.getIntValue();
            case DOUBLE_VALUE -> value.getDoubleValue();
            case BOOL_VALUE -> value.getBoolValue();
            case ARRAY_VALUE -> value.getArrayValue().getValuesList().stream().map(GenAiPayloadsTest::plain)
                    .toList();
            case KVLIST_VALUE -> {
                Map<String, Object> map = new LinkedHashMap<>();
                value.getKvlistValue().getValuesList().forEach(kv -> map.put(kv.getKey(), plain(kv.getValue())));
                yield map;
            }
            default -> null;
        };
    }

    /** An OTLP/JSON AnyValue as {@link #plain(AnyValue)} gives it. */
    private static Object plain(JsonNode value) {
        if (value == null) {
            return null;
        }
        if (value.has("stringValue")) {
            return value.get("stringValue").asText();
        }
        if (value.has("intValue")) {
            return value.get("intValue").asLong();
        }
        if (value.has("doubleValue")) {
            return value.get("doubleValue").asDouble();
        }
        if (value.has("boolValue")) {
            return value.get("boolValue").asBoolean();
        }
        if (value.has("arrayValue")) {
            List<Object> list = new ArrayList<>();
            value.get("arrayValue").path("values").forEach(item -> list.add(plain(item)));
            return list;
        }
        if (value.has("kvlistValue")) {
            Map<String, Object> map = new LinkedHashMap<>();
            value.get("kvlistValue").path("values").forEach(kv -> map.put(kv.get("key").asText(),
                    plain(kv.get("value"))));
            return map;
        }
        return null;
    }

    private static JsonNode named(List<JsonNode> spans, String name, int nth) {
        return spans.stream().filter(s -> s.get("name").asText().equals(name)).skip(nth).findFirst().orElseThrow();
    }

    private static List<JsonNode> spans(String resource) {
        List<JsonNode> spans = new ArrayList<>();
        read(resource).path("resourceSpans").forEach(rs -> rs.path("scopeSpans")
                .forEach(ss -> ss.path("spans").forEach(spans::add)));
        return spans;
    }

    private static List<JsonNode> logs(String resource) {
        List<JsonNode> logs = new ArrayList<>();
        read(resource).path("resourceLogs").forEach(rl -> rl.path("scopeLogs")
                .forEach(sl -> sl.path("logRecords").forEach(logs::add)));
        return logs;
    }

    private static JsonNode read(String resource) {
        try (InputStream in = GenAiPayloadsTest.class.getResourceAsStream("/genai/" + resource)) {
            return JSON.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Map<String, Object> orderedMap(Object... keysAndValues) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return map;
    }
}
