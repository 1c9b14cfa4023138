package io.sessionizer.localregistry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SchemaStoreTest {
    private static final String STRING = "\"string\"";
    private static final String RECORD =
            "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"}]}";

    private final List<SchemaEntry> written = new ArrayList<>();
    private boolean failWrites;
    private final SchemaLog log = entry -> {
        if (failWrites) {
            throw new IllegalStateException("broker down");
        }
        written.add(entry);
    };
    private final SchemaStore store = new SchemaStore(log, List.of());

    @Test
    void shouldGiveTheSameSchemaTheSameIdUnderEverySubjectAndNewSchemasTheNextId() {
        assertThat(store.register("a-value", STRING).id()).isEqualTo(1);
        assertThat(store.register("b-value", " { \"type\" : \"string\" } ").id()).isEqualTo(1);
        assertThat(store.register("b-value", RECORD).id()).isEqualTo(2);

        assertThat(store.versions("b-value", false)).containsExactly(1, 2);
        assertThat(store.subjectVersionsById(1)).containsExactly(new SchemaStore.SubjectVersion("a-value", 1),
                new SchemaStore.SubjectVersion("b-value", 1));
    }

    @Test
    void shouldWriteNothingWhenTheSubjectAlreadyHoldsTheSchema() {
        SchemaEntry first = store.register("a-value", RECORD);
        SchemaEntry again = store.register("a-value", RECORD);

        assertThat(again).isEqualTo(first);
        assertThat(written).containsExactly(first);
    }

    @Test
    void shouldKeepDocsAndLogicalTypesApart() {
        int plain = store.register("a-value", "{\"type\":\"long\"}").id();
        int micros = store.register("a-value", "{\"type\":\"long\",\"logicalType\":\"timestamp-micros\"}").id();

        assertThat(micros).isNotEqualTo(plain);
    }

    @Test
    void shouldRebuildTheSameStateFromTheLog() {
        store.register("a-value", STRING);
        store.register("a-value", RECORD);
        store.register("b-value", RECORD);

        SchemaStore restarted = new SchemaStore(log, List.copyOf(written));

        assertThat(restarted.subjects(false)).containsExactly("a-value", "b-value");
        assertThat(restarted.version("a-value", "latest", false).id()).isEqualTo(2);
        assertThat(restarted.register("c-value", "\"int\"").id()).isEqualTo(3);
        assertThat(restarted.register("c-value", RECORD).id()).isEqualTo(2);
    }

    @Test
    void shouldAnswerAStoreErrorAndNeverReuseTheIdWhenTheWriteFails() {
        store.register("a-value", STRING);
        failWrites = true;

        assertThatThrownBy(() -> store.register("a-value", RECORD))
                .isInstanceOfSatisfying(RegistryError.class, e -> {
                    assertThat(e.httpStatus()).isEqualTo(500);
                    assertThat(e.errorCode()).isEqualTo(RegistryError.STORE_ERROR);
                })
                .hasMessageContaining("broker down");
        failWrites = false;

        SchemaEntry entry = store.register("a-value", "\"int\"");
        assertThat(entry.id()).isEqualTo(3);
        assertThat(entry.version()).isEqualTo(3);
        assertThat(store.versions("a-value", false)).containsExactly(1, 3);
    }

    @Test
    void shouldHideSoftDeletedVersionsButKeepTheirIds() {
        store.register("a-value", STRING);
        store.register("a-value", RECORD);

        assertThat(store.deleteSubject("a-value")).containsExactly(1, 2);

        assertThat(store.subjects(false)).isEmpty();
        assertThat(store.subjects(true)).containsExactly("a-value");
        assertThat(store.schemaById(2)).contains("\"name\":\"R\"");
        assertThatThrownBy(() -> store.versions("a-value", false)).hasMessage("Subject 'a-value' not found.");
        assertThat(store.versions("a-value", true)).containsExactly(1, 2);
        SchemaEntry again = store.register("a-value", RECORD);
        assertThat(again.id()).isEqualTo(2);
        assertThat(again.version()).isEqualTo(3);
    }

    @Test
    void shouldFindTheVersionThatHoldsASchema() {
        store.register("a-value", STRING);
        store.register("a-value", RECORD);

        SchemaEntry found = store.lookup("a-value", RECORD, false);

        assertThat(found).isEqualTo(new SchemaEntry("a-value", 2, 2, SchemaStore.canonical(RECORD), false));
        assertThat(codeOf(() -> store.lookup("a-value", "\"int\"", false))).isEqualTo(RegistryError.SCHEMA_NOT_FOUND);
        assertThat(codeOf(() -> store.lookup("x-value", RECORD, false))).isEqualTo(RegistryError.SUBJECT_NOT_FOUND);
    }

    @Test
    void shouldAnswerVersionsAsConfluentDoes() {
        store.register("a-value", STRING);
        store.register("a-value", RECORD);

        assertThat(store.version("a-value", "latest", false).version()).isEqualTo(2);
        assertThat(store.version("a-value", "1", false).id()).isEqualTo(1);
        assertThat(codeOf(() -> store.version("a-value", "3", false))).isEqualTo(RegistryError.VERSION_NOT_FOUND);
        assertThat(codeOf(() -> store.version("a-value", "0", false))).isEqualTo(RegistryError.INVALID_VERSION);
        assertThat(codeOf(() -> store.version("a-value", "first", false))).isEqualTo(RegistryError.INVALID_VERSION);
        assertThat(codeOf(() -> store.version("b-value", "1", false))).isEqualTo(RegistryError.SUBJECT_NOT_FOUND);
        assertThat(codeOf(() -> store.schemaById(9))).isEqualTo(RegistryError.SCHEMA_NOT_FOUND);
    }

    @Test
    void shouldRefuseAMalformedSchemaWithoutWritingIt() {
        assertThat(codeOf(() -> store.register("a-value", "{\"type\":\"record\",\"name\":\"R\"}")))
                .isEqualTo(RegistryError.INVALID_SCHEMA);
        assertThat(codeOf(() -> store.register("a-value", "not json"))).isEqualTo(RegistryError.INVALID_SCHEMA);
        assertThat(codeOf(() -> store.register("a-value", " "))).isEqualTo(RegistryError.INVALID_SCHEMA);
        assertThat(written).isEmpty();
    }

    private static int codeOf(Runnable call) {
        try {
            call.run();
        } catch (RegistryError e) {
            return e.errorCode();
        }
        throw new AssertionError("expected a RegistryError");
    }
}
