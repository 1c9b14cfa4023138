package io.sessionizer.it;

import static io.sessionizer.testing.OtlpTraces.attr;
import static io.sessionizer.testing.OtlpTraces.request;
import static io.sessionizer.testing.OtlpTraces.span;
import static io.sessionizer.testing.OtlpTraces.traceHex;
import static io.sessionizer.testing.OtlpTraces.traceId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.Span;
import io.sessionizer.aggregator.AggregatorApp;
import io.sessionizer.aggregator.AggregatorFixture;
import io.sessionizer.localregistry.LocalSchemaRegistry;
import io.sessionizer.testing.KafkaTestCluster;
import io.sessionizer.testing.SessionsApiClient;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a downstream consumer sees: the aggregator's three output topics, read with a plain KafkaConsumer of bytes,
 * decoded by hand as the Confluent wire format says (magic byte 0, big-endian schema id, Avro binary), with each
 * schema fetched by id from the local registry over its REST API.
 */
class PublishedTopicsIT {
    private static final long TRACE = 42;
    private final KafkaTestCluster kafka = KafkaTestCluster.shared();

    @TempDir
    Path stateDir;

    private LocalSchemaRegistry registry;
    private AggregatorApp aggregator;
    private String spans;
    private String sessions;
    private String turns;
    private String events;

    @BeforeEach
    void setUp() {
        spans = KafkaTestCluster.uniqueName("spans");
        kafka.createTopics(2, spans);
        registry = LocalSchemaRegistry.start(kafka.bootstrapServers(), 0, KafkaTestCluster.uniqueName("_schemas"));
        Map<String, String> settings = AggregatorFixture.settings(kafka, stateDir, spans,
                Map.of("schema.registry.url", "http://localhost:" + registry.port()));
        sessions = settings.get("topic.sessions");
        turns = settings.get("topic.turns");
        events = settings.get("topic.events");
        aggregator = AggregatorFixture.start(settings);
    }

    @AfterEach
    void tearDown() {
        aggregator.close();
        registry.close();
    }

    @Test
    void shouldPublishConfluentWireFormatAvroWhoseSchemaIdsResolveAtTheRegistry() throws Exception {
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()),
                new StringSerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(spans, traceHex(TRACE), trace())).get();
        }

        GenericRecord summary = readOne(sessions);
        assertThat(summary.get("session_id")).hasToString("published-1");
        assertThat(summary.get("trace_count")).isEqualTo(1L);
        assertThat(summary.get("span_count")).isEqualTo(2L);
        assertThat(summary.get("status")).hasToString("ACTIVE");
        assertThat(((GenericRecord) summary.get("first_input")).get("value")).hasToString("What is a session?");

        GenericRecord turn = readOne(turns);
        assertThat(turn.get("trace_id")).hasToString(traceHex(TRACE));
        assertThat(turn.get("span_count")).isEqualTo(2);

        GenericRecord event = readOne(events);
        assertThat(event.get("type")).hasToString("STARTED");
    }

    /** Reads the first record of a topic and decodes it with the writer schema that its id names at the registry. */
    private GenericRecord readOne(String topic) throws Exception {
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, KafkaTestCluster.uniqueName("reader"),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
                return !records.isEmpty();
            });
            ConsumerRecord<byte[], byte[]> record = records.get(0);
            assertThat(new String(record.key(), StandardCharsets.UTF_8)).isEqualTo("default/published-1");
            byte[] value = record.value();
            assertThat(value[0]).as("magic byte").isZero();
            int schemaId = ByteBuffer.wrap(value, 1, 4).getInt();

            SessionsApiClient registryApi = SessionsApiClient.of(registry.port());
            SessionsApiClient.Response response = registryApi.get("/schemas/ids/" + schemaId);
            assertThat(response.statusCode()).as("schema %d at the registry", schemaId).isEqualTo(200);
            Schema schema = new Schema.Parser().parse(response.json().get("schema").asText());

            SessionsApiClient.Response subjects = registryApi.get("/subjects");
            assertThat(subjects.body()).contains(topic + "-value");

            BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(value, 5, value.length - 5, null);
            GenericRecord decoded = new GenericDatumReader<GenericRecord>(schema).read(null, decoder);
            assertThat(decoder.isEnd()).as("every byte after the header is the Avro record").isTrue();
            return decoded;
        }
    }

    private static byte[] trace() {
        ByteString traceId = traceId(TRACE);
        Span.Builder root = span(traceId, 1, 0, 1_000_000_000L, 3_000_000_000L).setName("agent");
        attr(root, "session.id", "published-1");
        attr(root, "input.value", "What is a session?");
        attr(root, "output.value", "A conversation.");
        Span.Builder child = span(traceId, 2, 1, 1_000_000_000L, 3_000_000_000L).setName("llm");
        return request(Resource.getDefaultInstance(), root, child).toByteArray();
    }
}
