package io.sessionizer.schemas.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sessionizer.schemas.SessionEvent;
import io.sessionizer.schemas.Turn;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

class InMemorySchemaRegistryTest {
    private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();

    @Test
    void shouldGiveTheSameSchemaTheSameIdUnderEverySubject() {
        int first = registry.register("a-value", Turn.getClassSchema());
        int again = registry.register("a-value", Turn.getClassSchema());
        int elsewhere = registry.register("b-value", Turn.getClassSchema());

        assertThat(first).isEqualTo(1);
        assertThat(again).isEqualTo(first);
        assertThat(elsewhere).isEqualTo(first);
        assertThat(registry.versions("a-value")).containsExactly(1);
    }

    @Test
    void shouldGiveANewSchemaTheNextIdAndANewVersion() {
        registry.register("a-value", Turn.getClassSchema());
        int second = registry.register("a-value", SessionEvent.getClassSchema());

        assertThat(second).isEqualTo(2);
        assertThat(registry.versions("a-value")).containsExactly(1, 2);
        assertThat(registry.schemaById(2)).isEqualTo(SessionEvent.getClassSchema());
    }

    @Test
    void shouldMatchASchemaWrittenWithOtherWhitespace() {
        int id = registry.register("a-value", Schema.create(Schema.Type.STRING));

        assertThat(registry.register("b-value", new Schema.Parser().parse("{ \"type\" : \"string\" }"))).isEqualTo(id);
    }

    @Test
    void shouldAnswerAnUnknownIdLikeConfluent() {
        assertThatThrownBy(() -> registry.schemaById(3))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> {
                    assertThat(e.httpStatus()).isEqualTo(404);
                    assertThat(e.errorCode()).isEqualTo(40403);
                    assertThat(e.isRetryable()).isFalse();
                });
    }

    @Test
    void shouldShareANamedRegistryAcrossCallers() {
        assertThat(InMemorySchemaRegistry.named("shared-test")).isSameAs(InMemorySchemaRegistry.named("shared-test"))
                .isNotSameAs(InMemorySchemaRegistry.named("other-test"));
    }
}
