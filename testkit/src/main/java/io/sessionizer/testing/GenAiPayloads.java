package io.sessionizer.testing;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.common.v1.KeyValueList;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import io.opentelemetry.proto.logs.v1.SeverityNumber;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * OTLP payloads shaped exactly as three instrumentations of the {@code openai} Node client emit them for one chat
 * completion: {@code @arizeai/openinference-instrumentation-openai} 4.2.7 ({@link #openInference()}),
 * {@code @traceloop/instrumentation-openai} 0.27.0 with the Traceloop SDK ({@link #traceloop()}) and
 * {@code @opentelemetry/instrumentation-openai} 0.22.0 ({@link #otelGenAi()}, whose messages are log records).
 * docs/instrumentations.md says, key by key, what was captured by running them and what was read in their sources;
 * testkit/src/test/resources/genai/ holds the captures.
 *
 * <p>A {@link ChatCall} is one of the three steps of the scenario: a plain answer, an assistant tool call, or the
 * answer after the tool's result was sent back.
 */
public final class GenAiPayloads {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PROVIDER = "openai";
    private static final OpenInference OPEN_INFERENCE = new OpenInference();
    private static final Traceloop TRACELOOP = new Traceloop();
    private static final OtelGenAi OTEL_GEN_AI = new OtelGenAi();

    private GenAiPayloads() {
    }

    public static OpenInference openInference() {
        return OPEN_INFERENCE;
    }

    public static Traceloop traceloop() {
        return TRACELOOP;
    }

    public static OtelGenAi otelGenAi() {
        return OTEL_GEN_AI;
    }

    /** Where a span (or its log records) sits: ids, and times in Unix nanoseconds; an empty parent makes a root. */
    public record SpanIds(ByteString traceId, ByteString spanId, ByteString parentSpanId, long startNanos,
                          long endNanos) {
        /** Ids from small numbers as {@link OtlpTraces} makes them ({@code parent} 0: root), times after its T0. */
        public static SpanIds of(long trace, long span, long parent, long startMicros, long endMicros) {
            return new SpanIds(OtlpTraces.traceId(trace), OtlpTraces.spanId(span),
                    parent == 0 ? ByteString.EMPTY : OtlpTraces.spanId(parent),
                    (OtlpTraces.T0_MICROS + startMicros) * 1000, (OtlpTraces.T0_MICROS + endMicros) * 1000);
        }
    }

    /** OpenAI usage: {@code cached} is {@code prompt_tokens_details.cached_tokens}, part of {@code prompt}. */
    public record Tokens(long prompt, long completion, long cached, long reasoning) {
        public long total() {
            return prompt + completion;
        }
    }

    /** A function tool call: {@code arguments} and {@code result} are JSON text, as OpenAI carries them. */
    public record ToolCall(String id, String name, String arguments, String result) {
    }

    /**
     * One chat completion. With a tool call and no answer, the model asks for the tool (finish reason
     * {@code tool_calls}); with both, the request carries the assistant's tool call and the tool's result and the
     * model answers. {@code system} may be null (no system message).
     */
    public record ChatCall(String model, String responseModel, String system, String question, ToolCall toolCall,
                           String answer, Tokens tokens) {
        public static ChatCall answer(String model, String question, String answer, Tokens tokens) {
            return new ChatCall(model, model, null, question, null, answer, tokens);
        }

        public static ChatCall toolCall(String model, String question, ToolCall toolCall, Tokens tokens) {
            return new ChatCall(model, model, null, question, toolCall, null, tokens);
        }

        public static ChatCall answerAfterTool(String model, String question, ToolCall toolCall, String answer,
                                               Tokens tokens) {
            return new ChatCall(model, model, null, question, toolCall, answer, tokens);
        }

        public ChatCall withSystem(String system) {
            return new ChatCall(model, responseModel, system, question, toolCall, answer, tokens);
        }

        /** OpenAI answers with a dated model name ({@code gpt-4o-mini-2024-07-18} for {@code gpt-4o-mini}). */
        public ChatCall withResponseModel(String responseModel) {
            return new ChatCall(model, responseModel, system, question, toolCall, answer, tokens);
        }

        public boolean asksForTool() {
            return toolCall != null && answer == null;
        }

        public boolean sendsToolResult() {
            return toolCall != null && answer != null;
        }

        String finishReason() {
            return asksForTool() ? "tool_calls" : "stop";
        }

        String responseId() {
            return "chatcmpl-" + Integer.toHexString(Objects.hash(model, question, toolCall, answer));
        }
    }

    /**
     * {@code @arizeai/openinference-instrumentation-openai} 4.2.7 spans (span kind INTERNAL, status OK, flattened
     * {@code llm.*} attributes), {@code openinference-core} TOOL spans and a LangChain-style wrapper LLM span.
     * {@code session.id} is what {@code setSession(context, {sessionId})} adds to every span started under it.
     */
    public static final class OpenInference {
        public static final InstrumentationScope SCOPE = scope("@arizeai/openinference-instrumentation-openai",
                "4.2.7");
        public static final InstrumentationScope LANGCHAIN_SCOPE = scope(
                "@arizeai/openinference-instrumentation-langchain", "4.1.1");
        /** The scope of spans made with openinference-core's {@code traceTool}/{@code traceAgent}: no version. */
        public static final InstrumentationScope CORE_SCOPE = InstrumentationScope.newBuilder()
                .setName("openinference-core").build();

        private OpenInference() {
        }

        /** The LLM span of one {@code chat.completions.create} call: name {@code OpenAI Chat Completions}. */
        public Span llmSpan(SpanIds ids, String sessionId, ChatCall call) {
            Span.Builder span = span(ids, "OpenAI Chat Completions", Span.SpanKind.SPAN_KIND_INTERNAL)
                    .setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_OK));
            sessionAttribute(span, sessionId);
            ObjectNode request = openAiRequest(call);
            ObjectNode invocation = request.deepCopy();
            invocation.remove("messages");
            span.addAttributes(OtlpTraces.attribute("openinference.span.kind", "LLM"))
                    .addAttributes(OtlpTraces.attribute("llm.model_name", call.responseModel()))
                    .addAttributes(OtlpTraces.attribute("input.value", write(request)))
                    .addAttributes(OtlpTraces.attribute("input.mime_type", "application/json"))
                    .addAttributes(OtlpTraces.attribute("llm.invocation_parameters", write(invocation)))
                    .addAttributes(OtlpTraces.attribute("llm.system", PROVIDER))
                    // Only for a known host (api.openai.com here); absent for a local OpenAI-compatible server.
                    .addAttributes(OtlpTraces.attribute("llm.provider", PROVIDER));
            int i = 0;
            if (call.system() != null) {
                message(span, "llm.input_messages." + i++, "system", call.system());
            }
            message(span, "llm.input_messages." + i++, "user", call.question());
            if (call.sendsToolResult()) {
                String assistant = "llm.input_messages." + i++;
                span.addAttributes(OtlpTraces.attribute(assistant + ".message.role", "assistant"));
                toolCall(span, assistant, call.toolCall());
                String tool = "llm.input_messages." + i;
                message(span, tool, "tool", call.toolCall().result());
                span.addAttributes(OtlpTraces.attribute(tool + ".message.tool_call_id", call.toolCall().id()));
            }
            if (call.toolCall() != null) {
                span.addAttributes(OtlpTraces.attribute("llm.tools.0.tool.json_schema",
                        write(toolDefinition(call.toolCall().name()))));
            }
            span.addAttributes(OtlpTraces.attribute("output.value", write(openAiResponse(call))))
                    .addAttributes(OtlpTraces.attribute("output.mime_type", "application/json"));
            if (call.asksForTool()) {
                span.addAttributes(OtlpTraces.attribute("llm.output_messages.0.message.role", "assistant"));
                toolCall(span, "llm.output_messages.0", call.toolCall());
            } else {
                message(span, "llm.output_messages.0", "assistant", call.answer());
            }
            Tokens tokens = call.tokens();
            return span.addAttributes(OtlpTraces.attribute("llm.finish_reason", call.finishReason()))
                    .addAttributes(OtlpTraces.attribute("llm.token_count.completion", tokens.completion()))
                    .addAttributes(OtlpTraces.attribute("llm.token_count.prompt", tokens.prompt()))
                    .addAttributes(OtlpTraces.attribute("llm.token_count.total", tokens.total()))
                    .addAttributes(OtlpTraces.attribute("llm.token_count.prompt_details.cache_read",
                            tokens.cached()))
                    .addAttributes(OtlpTraces.attribute("llm.token_count.prompt_details.audio", 0L))
                    .addAttributes(OtlpTraces.attribute("llm.token_count.completion_details.audio", 0L))
                    .addAttributes(OtlpTraces.attribute("llm.token_count.completion_details.reasoning",
                            tokens.reasoning()))
                    .build();
        }

        /**
         * A TOOL span as openinference-core's {@code traceTool(fn, {name})} makes it: named after the tool, the
         * arguments and result as JSON {@code input.value}/{@code output.value}; no {@code tool.name}, no call id.
         */
        public Span toolSpan(SpanIds ids, String sessionId, ToolCall toolCall) {
            Span.Builder span = span(ids, toolCall.name(), Span.SpanKind.SPAN_KIND_INTERNAL)
                    .setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_OK));
            sessionAttribute(span, sessionId);
            return span.addAttributes(OtlpTraces.attribute("openinference.span.kind", "TOOL"))
                    .addAttributes(OtlpTraces.attribute("input.value", toolCall.arguments()))
                    .addAttributes(OtlpTraces.attribute("input.mime_type", "application/json"))
                    .addAttributes(OtlpTraces.attribute("output.value", toolCall.result()))
                    .addAttributes(OtlpTraces.attribute("output.mime_type", "application/json"))
                    .build();
        }

        /**
         * A framework's LLM span, as {@code @arizeai/openinference-instrumentation-langchain} 4.1.1 makes it for
         * {@code ChatOpenAI} (scope {@link #LANGCHAIN_SCOPE}): its own {@code llm.token_count.*} (the same usage as
         * the client's span), the request model, tool calls without ids, and the session id taken from the run's
         * {@code metadata.session_id}, the metadata also written whole. That instrumentation starts its spans without
         * making them current, so the client's LLM span is not below this one: it starts a trace of its own.
         */
        public Span wrapperLlmSpan(SpanIds ids, String sessionId, ChatCall call) {
            Span.Builder span = span(ids, "ChatOpenAI", Span.SpanKind.SPAN_KIND_INTERNAL)
                    .setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_OK))
                    .addAttributes(OtlpTraces.attribute("openinference.span.kind", "LLM"))
                    .addAttributes(OtlpTraces.attribute("input.value", write(langChainInput(call))))
                    .addAttributes(OtlpTraces.attribute("input.mime_type", "application/json"))
                    .addAttributes(OtlpTraces.attribute("output.value", write(langChainOutput(call))))
                    .addAttributes(OtlpTraces.attribute("output.mime_type", "application/json"));
            ObjectNode invocation = openAiRequest(call);
            invocation.remove("messages");
            span.addAttributes(OtlpTraces.attribute("llm.invocation_parameters", write(invocation)))
                    .addAttributes(OtlpTraces.attribute("llm.model_name", call.model()));
            if (call.toolCall() != null) {
                span.addAttributes(OtlpTraces.attribute("llm.tools.0.tool.json_schema",
                        write(toolDefinition(call.toolCall().name()))));
            }
            Tokens tokens = call.tokens();
            span.addAttributes(OtlpTraces.attribute("llm.token_count.completion", tokens.completion()))
                    .addAttributes(OtlpTraces.attribute("llm.token_count.prompt", tokens.prompt()))
                    .addAttributes(OtlpTraces.attribute("llm.token_count.total", tokens.total()))
                    .addAttributes(OtlpTraces.attribute("llm.token_count.prompt_details.cache_read",
                            tokens.cached()))
                    .addAttributes(OtlpTraces.attribute("llm.token_count.completion_details.reasoning",
                            tokens.reasoning()))
                    .addAttributes(OtlpTraces.attribute("llm.finish_reason", call.finishReason()));
            ObjectNode metadata = JSON.createObjectNode();
            if (sessionId != null) {
                metadata.put("session_id", sessionId);
            }
            metadata.put("ls_provider", PROVIDER).put("ls_model_name", call.model()).put("ls_model_type", "chat")
                    .put("ls_integration", "langchain_chat_model");
            metadata.putObject("versions").put("@langchain/core", "1.4.0").put("@langchain/openai", "1.5.8");
            span.addAttributes(OtlpTraces.attribute("metadata", write(metadata)));
            sessionAttribute(span, sessionId);
            int i = 0;
            if (call.system() != null) {
                message(span, "llm.input_messages." + i++, "system", call.system());
            }
            message(span, "llm.input_messages." + i++, "user", call.question());
            if (call.sendsToolResult()) {
                String assistant = "llm.input_messages." + i++;
                message(span, assistant, "assistant", "");
                langChainToolCall(span, assistant, call.toolCall());
                message(span, "llm.input_messages." + i, "tool", call.toolCall().result());
            }
            if (call.asksForTool()) {
                message(span, "llm.output_messages.0", "assistant", "");
                langChainToolCall(span, "llm.output_messages.0", call.toolCall());
            } else {
                message(span, "llm.output_messages.0", "assistant", call.answer());
            }
            return span.build();
        }

        /**
         * A TOOL span of a LangChain tool (same instrumentation): {@code tool.name}; {@code input.value} is the
         * argument's value as text when the arguments hold a single string, else their JSON; the call id only
         * inside {@code output.value}, the serialized {@code ToolMessage}.
         */
        public Span langChainToolSpan(SpanIds ids, String sessionId, ToolCall toolCall) {
            Span.Builder span = span(ids, toolCall.name(), Span.SpanKind.SPAN_KIND_INTERNAL)
                    .setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_OK))
                    .addAttributes(OtlpTraces.attribute("openinference.span.kind", "TOOL"));
            JsonNode arguments = read(toolCall.arguments());
            if (arguments.size() == 1 && arguments.elements().next().isTextual()) {
                span.addAttributes(OtlpTraces.attribute("input.value", arguments.elements().next().asText()))
                        .addAttributes(OtlpTraces.attribute("input.mime_type", "text/plain"));
            } else {
                span.addAttributes(OtlpTraces.attribute("input.value", write(arguments)))
                        .addAttributes(OtlpTraces.attribute("input.mime_type", "application/json"));
            }
            ObjectNode output = JSON.createObjectNode();
            ObjectNode message = lcMessage(output.putObject("output"), "ToolMessage").put("status", "success")
                    .put("content", toolCall.result()).put("tool_call_id", toolCall.id())
                    .put("name", toolCall.name());
            message.putObject("metadata").putObject("versions").put("@langchain/core", "1.4.0");
            message.putObject("additional_kwargs");
            message.putObject("response_metadata");
            ObjectNode metadata = JSON.createObjectNode();
            if (sessionId != null) {
                metadata.put("session_id", sessionId);
            }
            metadata.putObject("versions").put("@langchain/core", "1.4.0");
            span.addAttributes(OtlpTraces.attribute("output.value", write(output)))
                    .addAttributes(OtlpTraces.attribute("output.mime_type", "application/json"))
                    .addAttributes(OtlpTraces.attribute("metadata", write(metadata)));
            sessionAttribute(span, sessionId);
            return span.addAttributes(OtlpTraces.attribute("tool.name", toolCall.name())).build();
        }

        /** The run's inputs: {@code {"messages": [[<serialized LangChain messages>]]}}, shortened to role classes. */
        private static ObjectNode langChainInput(ChatCall call) {
            ObjectNode input = JSON.createObjectNode();
            ArrayNode messages = input.putArray("messages").addArray();
            if (call.system() != null) {
                lcMessage(messages.addObject(), "SystemMessage").put("content", call.system());
            }
            lcMessage(messages.addObject(), "HumanMessage").put("content", call.question());
            return input;
        }

        /** The run's outputs: {@code {"generations": [[{text, message}]]}}. */
        private static ObjectNode langChainOutput(ChatCall call) {
            ObjectNode output = JSON.createObjectNode();
            ObjectNode generation = output.putArray("generations").addArray().addObject()
                    .put("text", call.asksForTool() ? "" : call.answer());
            lcMessage(generation.putObject("message"), "AIMessage").put("content", generation.get("text").asText());
            return output;
        }

        private static ObjectNode lcMessage(ObjectNode node, String type) {
            node.put("lc", 1).put("type", "constructor").putArray("id").add("langchain_core").add("messages")
                    .add(type);
            return node.putObject("kwargs");
        }

        private static void langChainToolCall(Span.Builder span, String prefix, ToolCall toolCall) {
            String call = prefix + ".message.tool_calls.0.tool_call.";
            span.addAttributes(OtlpTraces.attribute(call + "function.name", toolCall.name()))
                    .addAttributes(OtlpTraces.attribute(call + "function.arguments", toolCall.arguments()));
        }

        private static void sessionAttribute(Span.Builder span, String sessionId) {
            if (sessionId != null) {
                span.addAttributes(OtlpTraces.attribute("session.id", sessionId));
            }
        }

        private static void message(Span.Builder span, String prefix, String role, String content) {
            span.addAttributes(OtlpTraces.attribute(prefix + ".message.role", role))
                    .addAttributes(OtlpTraces.attribute(prefix + ".message.content", content));
        }

        private static void toolCall(Span.Builder span, String prefix, ToolCall toolCall) {
            String call = prefix + ".message.tool_calls.0.tool_call.";
            span.addAttributes(OtlpTraces.attribute(call + "id", toolCall.id()))
                    .addAttributes(OtlpTraces.attribute(call + "function.name", toolCall.name()))
                    .addAttributes(OtlpTraces.attribute(call + "function.arguments", toolCall.arguments()));
        }
    }

    /**
     * {@code @traceloop/instrumentation-openai} 0.27.0 spans (kind CLIENT, status unset, messages as JSON strings in
     * the GenAI {@code gen_ai.input.messages}/{@code gen_ai.output.messages} format) and the Traceloop SDK's
     * {@code withWorkflow}/{@code withTool} spans. The SDK's span processor copies the context's association
     * properties to every span as {@code traceloop.association.properties.<key>} and the workflow name as
     * {@code traceloop.workflow.name}.
     */
    public static final class Traceloop {
        public static final InstrumentationScope SCOPE = scope("@traceloop/instrumentation-openai", "0.27.0");
        public static final InstrumentationScope SDK_SCOPE = scope("@traceloop/node-server-sdk", "0.27.0");

        private Traceloop() {
        }

        /** The span of one chat completion, named {@code chat <request model>}; {@code workflow} may be null. */
        public Span llmSpan(SpanIds ids, String sessionId, String workflow, ChatCall call) {
            Span.Builder span = span(ids, "chat " + call.model(), Span.SpanKind.SPAN_KIND_CLIENT)
                    .addAttributes(OtlpTraces.attribute("gen_ai.provider.name", PROVIDER))
                    .addAttributes(OtlpTraces.attribute("gen_ai.operation.name", "chat"))
                    .addAttributes(OtlpTraces.attribute("gen_ai.request.model", call.model()))
                    .addAttributes(OtlpTraces.attribute("gen_ai.input.messages", write(inputMessages(call, true))));
            if (call.toolCall() != null) {
                ArrayNode definitions = JSON.createArrayNode().add(toolDefinition(call.toolCall().name()));
                span.addAttributes(OtlpTraces.attribute("gen_ai.tool.definitions", write(definitions)));
            }
            sdkAttributes(span, sessionId, workflow);
            String finishReason = call.asksForTool() ? "tool_call" : "stop";
            return span.addAttributes(OtlpTraces.attribute("gen_ai.response.model", call.responseModel()))
                    .addAttributes(OtlpTraces.attribute("gen_ai.response.id", call.responseId()))
                    .addAttributes(OtlpTraces.attribute("gen_ai.usage.total_tokens", call.tokens().total()))
                    .addAttributes(OtlpTraces.attribute("gen_ai.usage.output_tokens", call.tokens().completion()))
                    .addAttributes(OtlpTraces.attribute("gen_ai.usage.input_tokens", call.tokens().prompt()))
                    .addAttributes(stringArray("gen_ai.response.finish_reasons", finishReason))
                    .addAttributes(OtlpTraces.attribute("gen_ai.output.messages",
                            write(outputMessages(call, finishReason, true))))
                    .build();
        }

        /**
         * {@code withTool({name}, fn, args)}: span {@code <name>.tool}, kind INTERNAL; a single object argument goes
         * to {@code kwargs} of {@code traceloop.entity.input}; the result is JSON in {@code traceloop.entity.output}.
         */
        public Span toolSpan(SpanIds ids, String sessionId, String workflow, ToolCall toolCall) {
            Span.Builder span = span(ids, toolCall.name() + ".tool", Span.SpanKind.SPAN_KIND_INTERNAL);
            if (workflow != null) {
                span.addAttributes(OtlpTraces.attribute("traceloop.workflow.name", workflow));
            }
            span.addAttributes(OtlpTraces.attribute("traceloop.entity.path", ""));
            associationProperties(span, sessionId);
            ObjectNode input = JSON.createObjectNode();
            input.putArray("args");
            input.set("kwargs", read(toolCall.arguments()));
            return span.addAttributes(OtlpTraces.attribute("traceloop.entity.name", toolCall.name()))
                    .addAttributes(OtlpTraces.attribute("traceloop.span.kind", "tool"))
                    .addAttributes(OtlpTraces.attribute("traceloop.entity.input", write(input)))
                    .addAttributes(OtlpTraces.attribute("traceloop.entity.output", toolCall.result()))
                    .build();
        }

        /** {@code withWorkflow({name, associationProperties: {session_id}}, fn)}: span {@code <name>.workflow}. */
        public Span workflowSpan(SpanIds ids, String sessionId, String workflow, String question, String answer) {
            Span.Builder span = span(ids, workflow + ".workflow", Span.SpanKind.SPAN_KIND_INTERNAL)
                    .addAttributes(OtlpTraces.attribute("traceloop.workflow.name", workflow));
            associationProperties(span, sessionId);
            ObjectNode input = JSON.createObjectNode();
            input.putArray("args").add(question);
            input.putObject("kwargs");
            return span.addAttributes(OtlpTraces.attribute("traceloop.entity.name", workflow))
                    .addAttributes(OtlpTraces.attribute("traceloop.entity.path", ""))
                    .addAttributes(OtlpTraces.attribute("traceloop.span.kind", "workflow"))
                    .addAttributes(OtlpTraces.attribute("traceloop.entity.input", write(input)))
                    .addAttributes(OtlpTraces.attribute("traceloop.entity.output", write(JSON.valueToTree(answer))))
                    .build();
        }

        private static void sdkAttributes(Span.Builder span, String sessionId, String workflow) {
            if (workflow != null) {
                span.addAttributes(OtlpTraces.attribute("traceloop.workflow.name", workflow));
            }
            associationProperties(span, sessionId);
        }

        private static void associationProperties(Span.Builder span, String sessionId) {
            if (sessionId != null) {
                span.addAttributes(OtlpTraces.attribute("traceloop.association.properties.session_id", sessionId));
            }
        }
    }

    /**
     * {@code @opentelemetry/instrumentation-openai} 0.22.0: a CLIENT span per call with no content, and the messages
     * as OTLP log records carrying the span's trace and span ids. They hold content only with
     * {@code OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true}, as built here; without it they are still
     * emitted, their bodies empty but for ids, names and finish reasons. Chat completions use the v1.36 events,
     * named by the {@code event.name} attribute (LogRecord.event_name empty); the Responses API uses
     * {@code gen_ai.client.inference.operation.details} in LogRecord.event_name. The instrumentation sets no
     * conversation id: the application puts {@code gen_ai.conversation.id} on a span of its own
     * ({@link #conversationSpan}).
     */
    public static final class OtelGenAi {
        public static final InstrumentationScope SCOPE = scope("@opentelemetry/instrumentation-openai", "0.22.0");
        /** The application's own tracer. */
        public static final InstrumentationScope APP_SCOPE = InstrumentationScope.newBuilder().setName("app")
                .build();
        public static final String OPERATION_DETAILS = "gen_ai.client.inference.operation.details";

        private OtelGenAi() {
        }

        /** The span of one chat completion, named {@code chat <request model>}. */
        public Span chatSpan(SpanIds ids, ChatCall call) {
            return span(ids, "chat " + call.model(), Span.SpanKind.SPAN_KIND_CLIENT)
                    .addAttributes(OtlpTraces.attribute("gen_ai.operation.name", "chat"))
                    .addAttributes(OtlpTraces.attribute("gen_ai.request.model", call.model()))
                    .addAttributes(OtlpTraces.attribute("gen_ai.system", PROVIDER))
                    .addAttributes(OtlpTraces.attribute("server.address", "api.openai.com"))
                    .addAttributes(OtlpTraces.attribute("server.port", 443L))
                    .addAttributes(stringArray("gen_ai.response.finish_reasons", call.finishReason()))
                    .addAttributes(OtlpTraces.attribute("gen_ai.response.id", call.responseId()))
                    .addAttributes(OtlpTraces.attribute("gen_ai.response.model", call.responseModel()))
                    .addAttributes(OtlpTraces.attribute("gen_ai.usage.input_tokens", call.tokens().prompt()))
                    .addAttributes(OtlpTraces.attribute("gen_ai.usage.output_tokens", call.tokens().completion()))
                    .build();
        }

        /** The application's span around the call, carrying the conversation id (scope {@link #APP_SCOPE}). */
        public Span conversationSpan(SpanIds ids, String name, String sessionId) {
            return span(ids, name, Span.SpanKind.SPAN_KIND_INTERNAL)
                    .addAttributes(OtlpTraces.attribute("gen_ai.conversation.id", sessionId))
                    .build();
        }

        /**
         * Every log record one chat completion emits, in order: one per request message at the span's start, then
         * one {@code gen_ai.choice} at its end. {@code ids} are the chat span's.
         */
        public List<LogRecord> messageLogs(SpanIds ids, ChatCall call) {
            List<LogRecord> logs = new ArrayList<>();
            if (call.system() != null) {
                logs.add(systemMessageLog(ids, call.system()));
            }
            logs.add(userMessageLog(ids, call.question()));
            if (call.sendsToolResult()) {
                logs.add(assistantMessageLog(ids, call.toolCall()));
                logs.add(toolMessageLog(ids, call.toolCall()));
            }
            logs.add(choiceLog(ids, call));
            return logs;
        }

        /** {@code gen_ai.system.message}, body {@code {content}}. */
        public LogRecord systemMessageLog(SpanIds ids, String content) {
            return eventLog(ids, ids.startNanos(), "gen_ai.system.message", kvlist(kv("content", string(content))));
        }

        /** {@code gen_ai.user.message}, body {@code {content}}. */
        public LogRecord userMessageLog(SpanIds ids, String content) {
            return eventLog(ids, ids.startNanos(), "gen_ai.user.message", kvlist(kv("content", string(content))));
        }

        /** {@code gen_ai.assistant.message} of a request's assistant tool call (null content is left out). */
        public LogRecord assistantMessageLog(SpanIds ids, ToolCall toolCall) {
            return eventLog(ids, ids.startNanos(), "gen_ai.assistant.message",
                    kvlist(kv("tool_calls", array(toolCallValue(toolCall)))));
        }

        /** {@code gen_ai.tool.message}, body {@code {id, content}}. */
        public LogRecord toolMessageLog(SpanIds ids, ToolCall toolCall) {
            return eventLog(ids, ids.startNanos(), "gen_ai.tool.message",
                    kvlist(kv("id", string(toolCall.id())), kv("content", string(toolCall.result()))));
        }

        /**
         * {@code gen_ai.choice} at the span's end: body {@code {finish_reason, index (int), message: {content} or
         * {tool_calls: [{id, type, function: {name, arguments}}]}}}.
         */
        public LogRecord choiceLog(SpanIds ids, ChatCall call) {
            AnyValue message = call.asksForTool()
                    ? kvlist(kv("tool_calls", array(toolCallValue(call.toolCall()))))
                    : kvlist(kv("content", string(call.answer())));
            return eventLog(ids, ids.endNanos(), "gen_ai.choice", kvlist(kv("finish_reason",
                    string(call.finishReason())), kv("index", AnyValue.newBuilder().setIntValue(0).build()),
                    kv("message", message)));
        }

        /**
         * The first of the two records the Responses API path emits: {@code gen_ai.client.inference.operation.details}
         * in event_name, an empty body, {@code gen_ai.provider.name} and structured {@code gen_ai.input.messages}. Its
         * quirks are kept: a tool call's id travels as {@code call_id} (its {@code id} is empty), and the tool's
         * result comes back in a {@code user} message.
         */
        public LogRecord responsesInputLog(SpanIds ids, ChatCall call) {
            List<AnyValue> messages = new ArrayList<>();
            if (call.system() != null) {
                messages.add(chatMessage("system", textPart(call.system())));
            }
            messages.add(chatMessage("user", textPart(call.question())));
            if (call.sendsToolResult()) {
                ToolCall tool = call.toolCall();
                messages.add(chatMessage("assistant", kvlist(kv("type", string("tool_call")),
                        kv("id", AnyValue.getDefaultInstance()), kv("name", string(tool.name())),
                        kv("arguments", string(tool.arguments())), kv("call_id", string(tool.id())))));
                messages.add(chatMessage("user", kvlist(kv("type", string("tool_call_response")),
                        kv("id", AnyValue.getDefaultInstance()), kv("response", string(tool.result())),
                        kv("call_id", string(tool.id())))));
            }
            return operationDetailsLog(ids, ids.startNanos(), List.of(
                    kv("gen_ai.provider.name", string(PROVIDER)),
                    kv("gen_ai.input.messages", array(messages))));
        }

        /**
         * The second record of the Responses API path, at the span's end: structured {@code gen_ai.output.messages};
         * a tool call part's {@code id} is the output item's ({@code fc_<call id>} here), the call id in
         * {@code call_id}, and {@code arguments} a string.
         */
        public LogRecord responsesOutputLog(SpanIds ids, ChatCall call) {
            AnyValue part = call.asksForTool()
                    ? kvlist(kv("type", string("tool_call")), kv("id", string("fc_" + call.toolCall().id())),
                    kv("name", string(call.toolCall().name())), kv("arguments", string(call.toolCall().arguments())),
                    kv("call_id", string(call.toolCall().id())))
                    : textPart(call.answer());
            AnyValue message = kvlist(kv("role", string("assistant")), kv("parts", array(part)),
                    kv("finish_reason", string(call.asksForTool() ? "tool_call" : "stop")));
            return operationDetailsLog(ids, ids.endNanos(), List.of(
                    kv("gen_ai.provider.name", string(PROVIDER)),
                    kv("gen_ai.output.messages", array(message))));
        }

        /**
         * {@code gen_ai.client.inference.operation.details} as the semantic conventions define it (one record with
         * the whole call; none of the three libraries emits this form for chat completions): the attributes of
         * {@link #operationDetailsAttributes}.
         */
        public LogRecord operationDetailsLog(SpanIds ids, ChatCall call) {
            return operationDetailsLog(ids, ids.endNanos(), operationDetailsAttributes(call));
        }

        /** The same as a span event of the chat span. */
        public Span.Event operationDetailsEvent(SpanIds ids, ChatCall call) {
            return Span.Event.newBuilder().setName(OPERATION_DETAILS).setTimeUnixNano(ids.endNanos())
                    .addAllAttributes(operationDetailsAttributes(call)).build();
        }

        /**
         * {@code gen_ai.operation.name}, {@code gen_ai.provider.name}, models, usage (with
         * {@code gen_ai.usage.cache_read.input_tokens} and {@code gen_ai.usage.reasoning.output_tokens}), and the
         * structured {@code gen_ai.system_instructions} (parts), {@code gen_ai.input.messages} and
         * {@code gen_ai.output.messages} (messages of {@code {role, parts, finish_reason?}}, parts {@code {type: text,
         * content}}, {@code {type: tool_call, id, name, arguments}}, {@code {type: tool_call_response, id, response}}).
         */
        public List<KeyValue> operationDetailsAttributes(ChatCall call) {
            List<KeyValue> attributes = new ArrayList<>(List.of(
                    OtlpTraces.attribute("gen_ai.operation.name", "chat"),
                    OtlpTraces.attribute("gen_ai.provider.name", PROVIDER),
                    OtlpTraces.attribute("gen_ai.request.model", call.model()),
                    OtlpTraces.attribute("gen_ai.response.model", call.responseModel()),
                    OtlpTraces.attribute("gen_ai.response.id", call.responseId()),
                    stringArray("gen_ai.response.finish_reasons", call.asksForTool() ? "tool_call" : "stop"),
                    OtlpTraces.attribute("gen_ai.usage.input_tokens", call.tokens().prompt()),
                    OtlpTraces.attribute("gen_ai.usage.output_tokens", call.tokens().completion()),
                    OtlpTraces.attribute("gen_ai.usage.cache_read.input_tokens", call.tokens().cached()),
                    OtlpTraces.attribute("gen_ai.usage.reasoning.output_tokens", call.tokens().reasoning())));
            if (call.system() != null) {
                attributes.add(kv("gen_ai.system_instructions", array(textPart(call.system()))));
            }
            attributes.add(kv("gen_ai.input.messages", toAnyValue(inputMessages(call, false))));
            attributes.add(kv("gen_ai.output.messages",
                    toAnyValue(outputMessages(call, call.asksForTool() ? "tool_call" : "stop", false))));
            return attributes;
        }

        /**
         * An {@code execute_tool} span as the semantic conventions define it (the application or an agent framework
         * makes it; none of the three libraries does): arguments and result as JSON strings, which spans may carry.
         */
        public Span executeToolSpan(SpanIds ids, String sessionId, ToolCall toolCall) {
            Span.Builder span = span(ids, "execute_tool " + toolCall.name(), Span.SpanKind.SPAN_KIND_INTERNAL)
                    .addAttributes(OtlpTraces.attribute("gen_ai.operation.name", "execute_tool"))
                    .addAttributes(OtlpTraces.attribute("gen_ai.tool.name", toolCall.name()))
                    .addAttributes(OtlpTraces.attribute("gen_ai.tool.call.id", toolCall.id()))
                    .addAttributes(OtlpTraces.attribute("gen_ai.tool.type", "function"))
                    .addAttributes(OtlpTraces.attribute("gen_ai.tool.call.arguments", toolCall.arguments()))
                    .addAttributes(OtlpTraces.attribute("gen_ai.tool.call.result", toolCall.result()));
            if (sessionId != null) {
                span.addAttributes(OtlpTraces.attribute("gen_ai.conversation.id", sessionId));
            }
            return span.build();
        }

        private static LogRecord eventLog(SpanIds ids, long timeNanos, String eventName, AnyValue body) {
            return log(ids, timeNanos).setBody(body)
                    .addAttributes(OtlpTraces.attribute("event.name", eventName))
                    .addAttributes(OtlpTraces.attribute("gen_ai.system", PROVIDER))
                    .build();
        }

        private static LogRecord operationDetailsLog(SpanIds ids, long timeNanos, List<KeyValue> attributes) {
            return log(ids, timeNanos).setEventName(OPERATION_DETAILS).setBody(AnyValue.getDefaultInstance())
                    .addAllAttributes(attributes).build();
        }

        private static LogRecord.Builder log(SpanIds ids, long timeNanos) {
            return LogRecord.newBuilder().setTimeUnixNano(timeNanos).setObservedTimeUnixNano(timeNanos)
                    .setSeverityNumber(SeverityNumber.SEVERITY_NUMBER_INFO)
                    .setFlags(1)
                    .setTraceId(ids.traceId()).setSpanId(ids.spanId());
        }

        private static AnyValue toolCallValue(ToolCall toolCall) {
            return kvlist(kv("id", string(toolCall.id())), kv("type", string("function")),
                    kv("function", kvlist(kv("name", string(toolCall.name())),
                            kv("arguments", string(toolCall.arguments())))));
        }

        private static AnyValue chatMessage(String role, AnyValue part) {
            return kvlist(kv("role", string(role)), kv("parts", array(part)));
        }

        private static AnyValue textPart(String content) {
            return kvlist(kv("type", string("text")), kv("content", string(content)));
        }
    }

    /** A resource of service {@code serviceName} holding the given scopes' spans. */
    public static ResourceSpans resourceSpans(String serviceName, ScopeSpans... scopes) {
        return ResourceSpans.newBuilder().setResource(nodeResource(serviceName)).addAllScopeSpans(List.of(scopes))
                .build();
    }

    public static ScopeSpans scopeSpans(InstrumentationScope scope, Span... spans) {
        return ScopeSpans.newBuilder().setScope(scope).addAllSpans(List.of(spans)).build();
    }

    /** A resource of service {@code serviceName} holding the given scopes' log records. */
    public static ResourceLogs resourceLogs(String serviceName, ScopeLogs... scopes) {
        return ResourceLogs.newBuilder().setResource(nodeResource(serviceName)).addAllScopeLogs(List.of(scopes))
                .build();
    }

    public static ScopeLogs scopeLogs(InstrumentationScope scope, List<LogRecord> logs) {
        return ScopeLogs.newBuilder().setScope(scope).addAllLogRecords(logs).build();
    }

    public static ExportTraceServiceRequest traces(ResourceSpans... resources) {
        return ExportTraceServiceRequest.newBuilder().addAllResourceSpans(List.of(resources)).build();
    }

    public static ExportLogsServiceRequest logs(ResourceLogs... resources) {
        return ExportLogsServiceRequest.newBuilder().addAllResourceLogs(List.of(resources)).build();
    }

    /** The resource the Node SDK (2.x) reports: service name and the telemetry.sdk.* triple. */
    private static Resource nodeResource(String serviceName) {
        return OtlpTraces.resource(serviceName,
                OtlpTraces.attribute("telemetry.sdk.language", "nodejs"),
                OtlpTraces.attribute("telemetry.sdk.name", "opentelemetry"),
                OtlpTraces.attribute("telemetry.sdk.version", "2.12.1"));
    }

    private static InstrumentationScope scope(String name, String version) {
        return InstrumentationScope.newBuilder().setName(name).setVersion(version).build();
    }

    private static Span.Builder span(SpanIds ids, String name, Span.SpanKind kind) {
        Span.Builder span = Span.newBuilder().setTraceId(ids.traceId()).setSpanId(ids.spanId()).setName(name)
                .setKind(kind).setStartTimeUnixNano(ids.startNanos()).setEndTimeUnixNano(ids.endNanos())
                // W3C sampled flag and "parent is remote" known (bit 8), as the Node SDK exports them.
                .setFlags(0x101);
        if (!ids.parentSpanId().isEmpty()) {
            span.setParentSpanId(ids.parentSpanId());
        }
        return span;
    }

    /** The OpenAI chat request body the scenario sends: model, messages, and the tool when there is one. */
    private static ObjectNode openAiRequest(ChatCall call) {
        ObjectNode request = JSON.createObjectNode().put("model", call.model());
        ArrayNode messages = request.putArray("messages");
        if (call.system() != null) {
            messages.addObject().put("role", "system").put("content", call.system());
        }
        messages.addObject().put("role", "user").put("content", call.question());
        if (call.sendsToolResult()) {
            ObjectNode assistant = messages.addObject().put("role", "assistant").putNull("content");
            assistant.putArray("tool_calls").add(openAiToolCall(call.toolCall()));
            messages.addObject().put("role", "tool").put("tool_call_id", call.toolCall().id())
                    .put("content", call.toolCall().result());
        }
        if (call.toolCall() != null) {
            request.putArray("tools").add(toolDefinition(call.toolCall().name()));
        }
        return request;
    }

    /** The OpenAI chat completion response, usage details included. */
    private static ObjectNode openAiResponse(ChatCall call) {
        ObjectNode response = JSON.createObjectNode().put("id", call.responseId()).put("object", "chat.completion")
                .put("created", 1_767_225_600L).put("model", call.responseModel());
        ObjectNode choice = response.putArray("choices").addObject().put("index", 0);
        ObjectNode message = choice.putObject("message").put("role", "assistant");
        if (call.asksForTool()) {
            message.putNull("content").putNull("refusal");
            message.putArray("tool_calls").add(openAiToolCall(call.toolCall()));
        } else {
            message.put("content", call.answer()).putNull("refusal");
        }
        choice.putNull("logprobs").put("finish_reason", call.finishReason());
        Tokens tokens = call.tokens();
        ObjectNode usage = response.putObject("usage").put("prompt_tokens", tokens.prompt())
                .put("completion_tokens", tokens.completion()).put("total_tokens", tokens.total());
        usage.putObject("prompt_tokens_details").put("cached_tokens", tokens.cached()).put("audio_tokens", 0);
        usage.putObject("completion_tokens_details").put("reasoning_tokens", tokens.reasoning())
                .put("audio_tokens", 0).put("accepted_prediction_tokens", 0).put("rejected_prediction_tokens", 0);
        return response;
    }

    private static ObjectNode openAiToolCall(ToolCall toolCall) {
        ObjectNode node = JSON.createObjectNode().put("id", toolCall.id()).put("type", "function");
        node.putObject("function").put("name", toolCall.name()).put("arguments", toolCall.arguments());
        return node;
    }

    private static ObjectNode toolDefinition(String name) {
        ObjectNode definition = JSON.createObjectNode().put("type", "function");
        definition.putObject("function").put("name", name).putObject("parameters").put("type", "object");
        return definition;
    }

    /**
     * GenAI input messages ({@code [{role, parts}]}); the system message is one of them for Traceloop, while the
     * conventions' single event carries it in {@code gen_ai.system_instructions} instead.
     */
    private static ArrayNode inputMessages(ChatCall call, boolean withSystemMessage) {
        ArrayNode messages = JSON.createArrayNode();
        if (call.system() != null && withSystemMessage) {
            messages.add(genAiMessage("system", textPartNode(call.system())));
        }
        messages.add(genAiMessage("user", textPartNode(call.question())));
        if (call.sendsToolResult()) {
            messages.add(genAiMessage("assistant", toolCallPartNode(call.toolCall())));
            ObjectNode response = JSON.createObjectNode().put("type", "tool_call_response")
                    .put("id", call.toolCall().id()).put("response", call.toolCall().result());
            messages.add(genAiMessage("tool", response));
        }
        return messages;
    }

    /** GenAI output messages; Traceloop writes {@code finish_reason} before {@code parts}, the schema after. */
    private static ArrayNode outputMessages(ChatCall call, String finishReason, boolean finishReasonFirst) {
        ObjectNode message = JSON.createObjectNode().put("role", "assistant");
        if (finishReasonFirst) {
            message.put("finish_reason", finishReason);
        }
        ArrayNode parts = message.putArray("parts");
        parts.add(call.asksForTool() ? toolCallPartNode(call.toolCall()) : textPartNode(call.answer()));
        if (!finishReasonFirst) {
            message.put("finish_reason", finishReason);
        }
        return JSON.createArrayNode().add(message);
    }

    private static ObjectNode genAiMessage(String role, ObjectNode part) {
        ObjectNode message = JSON.createObjectNode().put("role", role);
        message.putArray("parts").add(part);
        return message;
    }

    private static ObjectNode textPartNode(String content) {
        return JSON.createObjectNode().put("type", "text").put("content", content);
    }

    /** A tool call part, its arguments parsed into an object as Traceloop does and the conventions expect. */
    private static ObjectNode toolCallPartNode(ToolCall toolCall) {
        ObjectNode part = JSON.createObjectNode().put("type", "tool_call").put("id", toolCall.id())
                .put("name", toolCall.name());
        part.set("arguments", read(toolCall.arguments()));
        return part;
    }

    /** JSON as an OTLP AnyValue, the way the JS SDK maps objects: kvlist, array, string, int or double. */
    private static AnyValue toAnyValue(JsonNode node) {
        if (node.isObject()) {
            KeyValueList.Builder list = KeyValueList.newBuilder();
            node.properties().forEach(e -> list.addValues(kv(e.getKey(), toAnyValue(e.getValue()))));
            return AnyValue.newBuilder().setKvlistValue(list).build();
        }
        if (node.isArray()) {
            ArrayValue.Builder array = ArrayValue.newBuilder();
            node.forEach(item -> array.addValues(toAnyValue(item)));
            return AnyValue.newBuilder().setArrayValue(array).build();
        }
        if (node.isIntegralNumber()) {
            return AnyValue.newBuilder().setIntValue(node.asLong()).build();
        }
        if (node.isNumber()) {
            return AnyValue.newBuilder().setDoubleValue(node.asDouble()).build();
        }
        if (node.isBoolean()) {
            return AnyValue.newBuilder().setBoolValue(node.asBoolean()).build();
        }
        return node.isNull() ? AnyValue.getDefaultInstance() : string(node.asText());
    }

    private static KeyValue stringArray(String key, String... values) {
        ArrayValue.Builder array = ArrayValue.newBuilder();
        for (String value : values) {
            array.addValues(string(value));
        }
        return kv(key, AnyValue.newBuilder().setArrayValue(array).build());
    }

    private static KeyValue kv(String key, AnyValue value) {
        return KeyValue.newBuilder().setKey(key).setValue(value).build();
    }

    private static AnyValue string(String value) {
        return AnyValue.newBuilder().setStringValue(value).build();
    }

    private static AnyValue kvlist(KeyValue... values) {
        return AnyValue.newBuilder().setKvlistValue(KeyValueList.newBuilder().addAllValues(List.of(values))).build();
    }

    private static AnyValue array(AnyValue... values) {
        return array(List.of(values));
    }

    private static AnyValue array(List<AnyValue> values) {
        return AnyValue.newBuilder().setArrayValue(ArrayValue.newBuilder().addAllValues(values)).build();
    }

    private static String write(JsonNode node) {
        try {
            return JSON.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonNode read(String json) {
        try {
            return JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
