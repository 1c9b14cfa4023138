package io.sessionizer.it;

import static io.sessionizer.testing.OtlpTraces.attr;
import static io.sessionizer.testing.OtlpTraces.randomId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.Span;
import io.sessionizer.aggregator.AggregatorApp;
import io.sessionizer.ingest.IngestServer;
import io.sessionizer.testing.KafkaTestCluster;
import io.sessionizer.testing.OtlpTraces;
import io.sessionizer.testing.SessionsApiClient;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ordinary requests that once stopped the stack (issue 11), through the ingest and the aggregator on the real broker:
 * a 1.1 MB prompt, 650 KB in and out, 100,000 attributes, a 15 MiB request. Each is acknowledged; its session appears
 * with its text cut and marked; the stack keeps serving; a normal session sent after it arrives too, and nothing goes
 * to the dead-letter topic. All cases share one stack, so that each meets what the earlier ones left.
 */
class PoisonInputIT {
    private static final KafkaTestCluster KAFKA = KafkaTestCluster.shared();
    private static final int MAX_TEXT_BYTES = 64 * 1024;
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    static Path stateDir;

    private static IngestServer ingest;
    private static AggregatorApp aggregator;
    private static SessionsApiClient api;
    private static String dlqTopic;

    @BeforeAll
    static void startStack() {
        TestStack stack = TestStack.start(KAFKA, stateDir);
        ingest = stack.ingest();
        aggregator = stack.aggregator();
        api = SessionsApiClient.of(aggregator.httpPort());
        dlqTopic = stack.aggregatorSettings().get("topic.dlq");
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(() -> api.get("/readyz").statusCode() == 200);
    }

    @AfterAll
    static void stopStack() {
        aggregator.close();
        ingest.close();
    }

    @Test
    void shouldCutAMegabytePrompt() throws Exception {
        String session = KafkaTestCluster.uniqueName("poison-prompt");
        String prompt = document(1_100_000);

        assertThat(post(request(span(session, prompt, "a short answer"))).statusCode()).isEqualTo(200);

        JsonNode turn = onlyTurn(session);
        assertCut(turn.path("input"), prompt);
        assertThat(turn.path("output").path("value").asText()).isEqualTo("a short answer");
        assertThat(turn.path("output").path("truncated").asBoolean()).isFalse();
        assertStillServing();
    }

    @Test
    void shouldCutLargeInputAndOutputTogether() throws Exception {
        String session = KafkaTestCluster.uniqueName("poison-both");
        String input = document(650_000);
        String output = document(650_000);

        assertThat(post(request(span(session, input, output))).statusCode()).isEqualTo(200);

        JsonNode turn = onlyTurn(session);
        assertCut(turn.path("input"), input);
        assertCut(turn.path("output"), output);
        assertStillServing();
    }

    @Test
    void shouldKeepASpanWithAHundredThousandAttributes() throws Exception {
        String session = KafkaTestCluster.uniqueName("poison-attributes");
        Span.Builder span = span(session, "what are all these attributes?", "noise");
        for (int i = 0; i < 100_000; i++) {
            attr(span, "app.attribute." + i, "value " + i);
        }

        assertThat(post(request(span)).statusCode()).isEqualTo(200);

        JsonNode turn = onlyTurn(session);
        assertThat(turn.path("input").path("value").asText()).isEqualTo("what are all these attributes?");
        assertStillServing();
    }

    @Test
    void shouldCutAFifteenMebibyteRequest() throws Exception {
        String session = KafkaTestCluster.uniqueName("poison-15mib");
        // Random words: lz4 cannot shrink this under the broker's 1 MiB limit, as it could a repeated document.
        String prompt = randomWords(15 * 1024 * 1024 - 4096);

        HttpResponse<String> response = post(request(span(session, prompt, "ok")));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode turn = onlyTurn(session);
        assertThat(turn.path("input").path("truncated").asBoolean()).isTrue();
        assertThat(prompt).startsWith(turn.path("input").path("value").asText());
        assertThat(turn.path("output").path("value").asText()).isEqualTo("ok");
        assertStillServing();
    }

    /** A normal session sent after the poison arrives too, and nothing went to the dead-letter topic. */
    private static void assertStillServing() throws Exception {
        String session = KafkaTestCluster.uniqueName("after-poison");
        assertThat(post(request(span(session, "still there?", "yes"))).statusCode()).isEqualTo(200);
        assertThat(onlyTurn(session).path("output").path("value").asText()).isEqualTo("yes");
        assertThat(aggregator.failed()).isNotDone();
        assertThat(deadLetters()).isZero();
    }

    private static void assertCut(JsonNode value, String original) {
        String kept = value.path("value").asText();
        assertThat(value.path("truncated").asBoolean()).isTrue();
        assertThat(value.path("original_size").asLong())
                .isEqualTo(original.getBytes(StandardCharsets.UTF_8).length);
        assertThat(kept.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(MAX_TEXT_BYTES);
        assertThat(original).startsWith(kept);
    }

    private static JsonNode onlyTurn(String session) {
        String path = "/api/v1/sessions/" + URLEncoder.encode(session, StandardCharsets.UTF_8) + "/turns";
        List<JsonNode> turns = new ArrayList<>();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).until(() -> {
            SessionsApiClient.Response response = api.get(path);
            if (response.statusCode() != 200) {
                return false;
            }
            turns.clear();
            response.json().path("turns").forEach(turns::add);
            return !turns.isEmpty();
        });
        assertThat(turns).hasSize(1);
        return turns.get(0);
    }

    private static long deadLetters() {
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers()),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(dlqTopic).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            return consumer.endOffsets(partitions).values().stream().mapToLong(Long::longValue).sum();
        }
    }

    private static ExportTraceServiceRequest request(Span.Builder span) {
        return OtlpTraces.request(Resource.getDefaultInstance(), span);
    }

    private static Span.Builder span(String session, String input, String output) {
        long start = Instant.now().minusSeconds(5).toEpochMilli() * 1_000_000L;
        Span.Builder span = OtlpTraces.span(randomId(16), ThreadLocalRandom.current().nextLong() | 1, 0, start,
                start + 1_000_000_000L).setName("chat");
        attr(span, "session.id", session);
        attr(span, "openinference.span.kind", "LLM");
        attr(span, "input.value", input);
        return attr(span, "output.value", output);
    }

    /** A long document, as a RAG prompt carries: repetitive text, with a non-ASCII character now and then. */
    private static String document(int chars) {
        StringBuilder text = new StringBuilder(chars);
        String sentence = "The warranty covers firmware faults for two years, señor. ";
        while (text.length() < chars) {
            text.append(sentence);
        }
        return text.substring(0, chars);
    }

    private static String randomWords(int chars) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        StringBuilder text = new StringBuilder(chars);
        while (text.length() < chars) {
            int length = 2 + random.nextInt(9);
            for (int i = 0; i < length; i++) {
                text.append((char) ('a' + random.nextInt(26)));
            }
            text.append(' ');
        }
        return text.substring(0, chars);
    }

    private static HttpResponse<String> post(ExportTraceServiceRequest request) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + ingest.httpPort() + "/v1/traces"))
                        .header("Content-Type", "application/x-protobuf")
                        .timeout(Duration.ofSeconds(60))
                        .POST(HttpRequest.BodyPublishers.ofByteArray(request.toByteArray())).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
