package io.sessionizer.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sessionizer.schemas.Cost;
import io.sessionizer.schemas.LatencyMs;
import io.sessionizer.schemas.SessionEvent;
import io.sessionizer.schemas.SessionEventType;
import io.sessionizer.schemas.SessionStatus;
import io.sessionizer.schemas.SessionSummary;
import io.sessionizer.schemas.TokenCount;
import io.sessionizer.schemas.Turn;
import io.sessionizer.schemas.Turns;
import io.sessionizer.schemas.registry.InMemorySchemaRegistry;
import io.sessionizer.schemas.registry.SchemaRegistryClient;
import io.sessionizer.schemas.registry.SchemaRegistryException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

class ConfluentAvroSerdeTest {
    private static final Instant TIME = Instant.parse("2026-11-23T10:15:30.123456Z");

    private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();

    @Test
    void shouldWriteMagicByteThenBigEndianSchemaIdThenAvroBinary() {
        SchemaRegistryClient fixedId = new FixedIdRegistry(0x01020304);
        ConfluentAvroSerde<Turn> serde = ConfluentAvroSerde.forValue(fixedId, Turn.class);
        Turn turn = Turns.sample();

        byte[] bytes = serde.serializer().serialize("session-turns", turn);

        byte[] avro = AvroBinarySerde.of(Turn.class).encode(turn);
        assertThat(Arrays.copyOfRange(bytes, 0, 5)).containsExactly(0, 1, 2, 3, 4);
        assertThat(Arrays.copyOfRange(bytes, 5, bytes.length)).isEqualTo(avro);
    }

    @Test
    void shouldRoundTripARecord() {
        ConfluentAvroSerde<Turn> serde = ConfluentAvroSerde.forValue(registry, Turn.class);
        Turn turn = Turns.sample();

        byte[] bytes = serde.serializer().serialize("session-turns", turn);

        assertThat(serde.deserializer().deserialize("session-turns", bytes)).isEqualTo(turn);
    }

    @Test
    void shouldRegisterUnderTheTopicValueSubjectOncePerTopic() {
        CountingRegistry counting = new CountingRegistry(registry);
        ConfluentAvroSerde<SessionEvent> serde = ConfluentAvroSerde.forValue(counting, SessionEvent.class);

        serde.serialize("session-events", event(1));
        serde.serialize("session-events", event(2));
        serde.serialize("other-events", event(3));

        assertThat(registry.subjects()).containsExactly("other-events-value", "session-events-value");
        assertThat(counting.registrations).containsExactly("session-events-value", "other-events-value");
    }

    @Test
    void shouldPassTombstonesThroughWithoutRegistering() {
        ConfluentAvroSerde<SessionEvent> serde = ConfluentAvroSerde.forValue(registry, SessionEvent.class);

        assertThat(serde.serializer().serialize("sessions", null)).isNull();
        assertThat(serde.deserializer().deserialize("sessions", null)).isNull();
        assertThat(registry.subjects()).isEmpty();
    }

    @Test
    void shouldRefuseAnUnknownMagicByte() {
        ConfluentAvroSerde<SessionEvent> serde = ConfluentAvroSerde.forValue(registry, SessionEvent.class);
        byte[] bytes = serde.serialize("session-events", event(1));
        bytes[0] = 1;

        assertThatThrownBy(() -> serde.deserialize("session-events", bytes))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("Unknown magic byte");
    }

    @Test
    void shouldRefuseARecordShorterThanTheHeader() {
        ConfluentAvroSerde<SessionEvent> serde = ConfluentAvroSerde.forValue(registry, SessionEvent.class);

        assertThatThrownBy(() -> serde.deserialize("session-events", new byte[] {0, 0, 0}))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("3 bytes");
    }

    @Test
    void shouldTreatAnIdUnknownToTheRegistryAsAPoisonRecord() {
        ConfluentAvroSerde<SessionEvent> serde = ConfluentAvroSerde.forValue(registry, SessionEvent.class);

        assertThatThrownBy(() -> serde.deserialize("session-events", new byte[] {0, 0, 0, 0, 42, 2, 'a'}))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("schema id 42");
    }

    @Test
    void shouldLetARegistryOutageThroughAsARetryableRegistryError() {
        SchemaRegistryClient down = new FixedIdRegistry(0) {
            @Override
            public int register(String subject, Schema schema) {
                throw new SchemaRegistryException(SchemaRegistryException.NO_ANSWER,
                        SchemaRegistryException.NO_ANSWER, "connection refused");
            }
        };
        ConfluentAvroSerde<SessionEvent> serde = ConfluentAvroSerde.forValue(down, SessionEvent.class);

        assertThatThrownBy(() -> serde.serialize("session-events", event(1)))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> assertThat(e.isRetryable()).isTrue());
    }

    @Test
    void shouldReadARecordWrittenWithANewerSchemaThatAddedAField() throws IOException {
        Schema newer = evolve(SessionEvent.getClassSchema(), fields -> fields.addObject()
                .put("name", "region").put("type", "string").put("default", "eu"));
        GenericRecord written = genericEvent(newer);
        written.put("trace_count", 7L);
        written.put("region", "us");
        int id = registry.register("session-events-value", newer);

        SessionEvent read = ConfluentAvroSerde.forValue(registry, SessionEvent.class)
                .deserialize("session-events", confluentBytes(id, newer, written));

        assertThat(read).isEqualTo(event(7));
    }

    @Test
    void shouldFillTheDefaultOfAFieldThatAnOlderSchemaLacked() throws IOException {
        // The first version of the schema: the fields up to time, without trace_count and the annotation fields.
        Schema older = evolve(SessionEvent.getClassSchema(), fields -> {
            while (fields.size() > 4) {
                fields.remove(fields.size() - 1);
            }
        });
        assertThat(older.getField("trace_count")).isNull();
        int id = registry.register("session-events-value", older);

        SessionEvent read = ConfluentAvroSerde.forValue(registry, SessionEvent.class)
                .deserialize("session-events", confluentBytes(id, older, genericEvent(older)));

        // The fields the old writer lacked take the reader's defaults: 0 traces, no annotation.
        assertThat(read.getTraceCount()).isZero();
        assertThat(read.getAnnotationId()).isNull();
        assertThat(read.getAnnotationName()).isNull();
        assertThat(read).isEqualTo(event(0));
    }

    @Test
    void shouldRoundTripASummaryWithItsMetadataAndTags() {
        ConfluentAvroSerde<SessionSummary> serde = ConfluentAvroSerde.forValue(registry, SessionSummary.class);
        SessionSummary summary = summary();

        SessionSummary read = serde.deserialize("sessions", serde.serialize("sessions", summary));

        assertThat(read).isEqualTo(summary);
        assertThat(read.getMetadata()).containsEntry("user.plan", "pro");
        assertThat(read.getTags()).containsExactly("chat", "beta");
    }

    @Test
    void shouldAddMetadataAndTagsAsACompatibleChangeOfTheSummaryAndTheTurn() throws IOException {
        for (Schema current : List.of(SessionSummary.getClassSchema(), Turn.getClassSchema())) {
            Schema older = withoutMetadataAndTags(current);
            assertCompatibleBothWays(current, older);
        }
    }

    /** Issue 14 added calls, token details and unpriced calls; the schemas before it are kept as test resources. */
    @Test
    void shouldAddCallsAndTokenDetailsAsACompatibleChangeOfTheSummaryAndTheTurn() throws IOException {
        Schema.Parser parser = new Schema.Parser();
        for (String file : List.of("Status", "IoValue", "TokenCount", "Cost", "LatencyMs", "SessionSummary", "Turn")) {
            try (var in = getClass().getResourceAsStream("/compat/before-calls/" + file + ".avsc")) {
                parser.parse(in);
            }
        }
        for (Schema current : List.of(SessionSummary.getClassSchema(), Turn.getClassSchema())) {
            Schema older = parser.getTypes().get(current.getFullName());
            assertCompatibleBothWays(current, older);
        }
    }

    @Test
    void shouldReadASummaryWrittenBeforeMetadataAndTagsWithBothEmpty() throws IOException {
        Schema older = withoutMetadataAndTags(SessionSummary.getClassSchema());
        SessionSummary summary = summary();
        byte[] current = AvroBinarySerde.of(SessionSummary.class).encode(summary);
        GenericRecord written = new GenericDatumReader<GenericRecord>(SessionSummary.getClassSchema(), older)
                .read(null, DecoderFactory.get().binaryDecoder(current, null));
        int id = registry.register("sessions-value", older);

        SessionSummary read = ConfluentAvroSerde.forValue(registry, SessionSummary.class)
                .deserialize("sessions", confluentBytes(id, older, written));

        summary.setMetadata(Map.of());
        summary.setTags(List.of());
        assertThat(read).isEqualTo(summary);
    }

    private static void assertCompatibleBothWays(Schema current, Schema older) {
        assertThat(SchemaCompatibility.checkReaderWriterCompatibility(current, older).getType())
                .as("%s reads what the older schema wrote", current.getName())
                .isEqualTo(SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE);
        assertThat(SchemaCompatibility.checkReaderWriterCompatibility(older, current).getType())
                .as("the older %s reads what this one writes", current.getName())
                .isEqualTo(SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE);
    }

    private static Schema withoutMetadataAndTags(Schema schema) throws IOException {
        Schema older = evolve(schema, fields -> {
            for (int i = fields.size() - 1; i >= 0; i--) {
                String name = fields.get(i).get("name").asText();
                if (name.equals("metadata") || name.equals("tags")) {
                    fields.remove(i);
                }
            }
        });
        assertThat(older.getField("metadata")).isNull();
        return older;
    }

    private static SessionSummary summary() {
        return SessionSummary.newBuilder().setTenant("default").setSessionId("s-1").setProjects(List.of("app"))
                .setStartTime(TIME).setEndTime(TIME).setUpdatedAt(TIME).setTraceCount(2).setSpanCount(5)
                .setTokenCount(Turns.tokens(1L, 2L, 3L)).setCost(Turns.cost(0.1, 0.2, 0.3))
                .setLatencyMs(new LatencyMs(1.5, 2.5)).setModels(List.of("gpt-4o")).setStatus(SessionStatus.ACTIVE)
                .setMetadata(new HashMap<>(Map.of("user.plan", "pro", "env", "prod")))
                .setTags(List.of("chat", "beta"))
                .build();
    }

    private static Schema evolve(Schema schema, java.util.function.Consumer<ArrayNode> change) throws IOException {
        ObjectNode json = (ObjectNode) new ObjectMapper().readTree(schema.toString());
        change.accept((ArrayNode) json.get("fields"));
        return new Schema.Parser().parse(json.toString());
    }

    private static GenericRecord genericEvent(Schema schema) {
        GenericRecord record = new GenericData.Record(schema);
        record.put("tenant", "default");
        record.put("session_id", "s-1");
        record.put("type", new GenericData.EnumSymbol(schema.getField("type").schema(), "ENDED"));
        record.put("time", TIME.getEpochSecond() * 1_000_000 + TIME.getNano() / 1_000);
        return record;
    }

    private static byte[] confluentBytes(int id, Schema schema, GenericRecord record) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(new byte[] {0, (byte) (id >>> 24), (byte) (id >>> 16), (byte) (id >>> 8), (byte) id});
        BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(schema).write(record, encoder);
        return out.toByteArray();
    }

    private static SessionEvent event(long traceCount) {
        return SessionEvent.newBuilder().setTenant("default").setSessionId("s-1").setType(SessionEventType.ENDED)
                .setTime(TIME).setTraceCount(traceCount).build();
    }

    private static class FixedIdRegistry implements SchemaRegistryClient {
        private final int id;

        FixedIdRegistry(int id) {
            this.id = id;
        }

        @Override
        public int register(String subject, Schema schema) {
            return id;
        }

        @Override
        public Schema schemaById(int requested) {
            throw new UnsupportedOperationException();
        }
    }

    private static final class CountingRegistry implements SchemaRegistryClient {
        private final SchemaRegistryClient delegate;
        final List<String> registrations = new ArrayList<>();

        CountingRegistry(SchemaRegistryClient delegate) {
            this.delegate = delegate;
        }

        @Override
        public int register(String subject, Schema schema) {
            registrations.add(subject);
            return delegate.register(subject, schema);
        }

        @Override
        public Schema schemaById(int id) {
            return delegate.schemaById(id);
        }
    }
}
