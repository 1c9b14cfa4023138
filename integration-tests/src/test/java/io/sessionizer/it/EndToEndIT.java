package io.sessionizer.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.sessionizer.aggregator.AggregatorApp;
import io.sessionizer.ingest.IngestServer;
import io.sessionizer.testing.KafkaTestCluster;
import io.sessionizer.testing.SessionsApiClient;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole path a user's application takes: the OpenTelemetry Java SDK exports over OTLP/HTTP to the ingest, which
 * writes to a real KRaft broker, which the aggregator reads; the sessions are then read over the REST API.
 */
class EndToEndIT {
    private static final AttributeKey<String> SESSION_ID = AttributeKey.stringKey("session.id");
    private static final AttributeKey<String> INPUT = AttributeKey.stringKey("input.value");
    private static final AttributeKey<String> INPUT_MIME_TYPE = AttributeKey.stringKey("input.mime_type");
    private static final AttributeKey<String> OUTPUT = AttributeKey.stringKey("output.value");
    private static final AttributeKey<String> OUTPUT_MIME_TYPE = AttributeKey.stringKey("output.mime_type");
    private static final AttributeKey<String> SPAN_KIND = AttributeKey.stringKey("openinference.span.kind");

    private final KafkaTestCluster kafka = KafkaTestCluster.shared();
    private SessionsApiClient api;

    @TempDir
    Path stateDir;

    private IngestServer ingest;
    private AggregatorApp aggregator;
    private SdkTracerProvider tracing;

    /** What the test sent for one trace, to compute the expected session from. */
    private record SentTrace(Instant start, Instant end, int spans, String input, String output) {
    }

    @BeforeEach
    void startServices() throws Exception {
        TestStack stack = TestStack.start(kafka, stateDir);
        ingest = stack.ingest();
        aggregator = stack.aggregator();
        api = SessionsApiClient.of(aggregator.httpPort());
        tracing = SdkTracerProvider.builder()
                .setResource(Resource.getDefault().merge(Resource.create(
                        Attributes.of(AttributeKey.stringKey("service.name"), "end-to-end-chat"))))
                .addSpanProcessor(BatchSpanProcessor.builder(OtlpHttpSpanExporter.builder()
                        .setEndpoint("http://localhost:" + ingest.httpPort() + "/v1/traces")
                        .build()).build())
                .build();
        // Until Streams has its partitions, every query is answered 503, as DESIGN.md requires.
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(() -> api.get("/readyz").statusCode() == 200);
    }

    @AfterEach
    void stopServices() {
        tracing.shutdown().join(10, TimeUnit.SECONDS);
        aggregator.close();
        ingest.close();
    }

    @Test
    void shouldTurnTracesSentWithTheOtelSdkIntoSessions() {
        // Sub-microsecond digits prove the API truncates nanoseconds to the microseconds DESIGN.md promises.
        Instant base = Instant.now().truncatedTo(ChronoUnit.SECONDS).minusSeconds(120).plusNanos(123_456_789);
        String chat = KafkaTestCluster.uniqueName("chat");
        String support = KafkaTestCluster.uniqueName("support");
        Tracer tracer = tracing.get("io.sessionizer.it.EndToEndIT");

        // Sent out of order: first and last are decided by start time, not by arrival.
        List<SentTrace> chatTraces = new ArrayList<>();
        for (int turn : new int[] {1, 0, 2}) {
            chatTraces.add(sendTrace(tracer, chat, base.plusSeconds(10L * turn), turn));
        }
        List<SentTrace> supportTraces = new ArrayList<>();
        for (int turn = 0; turn < 3; turn++) {
            supportTraces.add(sendTrace(tracer, support, base.plusSeconds(5 + 7L * turn), turn));
        }
        assertThat(tracing.forceFlush().join(10, TimeUnit.SECONDS).isSuccess()).as("export to the ingest").isTrue();

        assertSession(chat, chatTraces);
        assertSession(support, supportTraces);
    }

    @Test
    void shouldAnswerAnUnknownSessionWithAProblem404() throws Exception {
        SessionsApiClient.Response response = api.get("/api/v1/sessions/"
                + KafkaTestCluster.uniqueName("unknown"));

        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(response.headers().firstValue("content-type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("application/problem+json"));
        assertThat(response.json().path("detail").asText()).isNotBlank();
    }

    /**
     * One turn of a chat app as OpenInference instruments it: a root CHAIN span with the turn's input and output,
     * a retriever child and an LLM child whose end is the latest of the trace, as in a streamed answer.
     */
    private static SentTrace sendTrace(Tracer tracer, String sessionId, Instant start, int turn) {
        String input = "question " + turn + " of " + sessionId;
        String output = "answer " + turn + " of " + sessionId;
        Instant end = start.plusMillis(1_500).plusNanos(987);
        Span root = tracer.spanBuilder("chat turn")
                .setSpanKind(SpanKind.SERVER)
                .setStartTimestamp(start)
                .setAttribute(SPAN_KIND, "CHAIN")
                .setAttribute(SESSION_ID, sessionId)
                .setAttribute(INPUT, input)
                .setAttribute(INPUT_MIME_TYPE, "text/plain")
                .setAttribute(OUTPUT, output)
                .setAttribute(OUTPUT_MIME_TYPE, "text/plain")
                .startSpan();
        Context parent = Context.root().with(root);
        tracer.spanBuilder("retrieve").setParent(parent).setStartTimestamp(start.plusMillis(10))
                .setAttribute(SPAN_KIND, "RETRIEVER").startSpan().end(start.plusMillis(90));
        tracer.spanBuilder("llm").setParent(parent).setStartTimestamp(start.plusMillis(100))
                .setAttribute(SPAN_KIND, "LLM").startSpan().end(end.plusMillis(3));
        root.end(end);
        return new SentTrace(start, end.plusMillis(3), 3, input, output);
    }

    private void assertSession(String sessionId, List<SentTrace> traces) {
        SentTrace first = traces.stream().min((a, b) -> a.start().compareTo(b.start())).orElseThrow();
        SentTrace last = traces.stream().max((a, b) -> a.start().compareTo(b.start())).orElseThrow();
        Instant end = traces.stream().map(SentTrace::end).max(Instant::compareTo).orElseThrow();

        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
            SessionsApiClient.Response response = api.get("/api/v1/sessions/" + sessionId);
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            JsonNode session = response.json();
            assertThat(session.path("trace_count").asInt()).as("trace_count").isEqualTo(traces.size());
            assertThat(session.path("session_id").asText()).isEqualTo(sessionId);
            assertThat(session.path("span_count").asInt()).as("span_count")
                    .isEqualTo(traces.stream().mapToInt(SentTrace::spans).sum());
            assertThat(session.path("start_time").asText()).isEqualTo(isoMicros(first.start()));
            assertThat(session.path("end_time").asText()).isEqualTo(isoMicros(end));
            assertThat(session.path("first_input").path("value").asText()).isEqualTo(first.input());
            assertThat(session.path("first_input").path("mime_type").asText()).isEqualTo("text/plain");
            assertThat(session.path("last_output").path("value").asText()).isEqualTo(last.output());
            assertThat(session.path("last_output").path("mime_type").asText()).isEqualTo("text/plain");
        });
    }

    private static String isoMicros(Instant instant) {
        return DateTimeFormatter.ISO_INSTANT.format(instant.truncatedTo(ChronoUnit.MICROS));
    }
}
