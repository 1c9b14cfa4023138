package io.sessionizer.localregistry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.sessionizer.localregistry.RegistryHttp.Answer;
import io.sessionizer.testing.KafkaTestCluster;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The registry against a real broker, each test with a topic of its own, called as any HTTP client would. */
class LocalSchemaRegistryIT {
    private static final String USER = "{\"type\":\"record\",\"name\":\"User\",\"namespace\":\"t\","
            + "\"fields\":[{\"name\":\"name\",\"type\":\"string\"}]}";
    private static final String USER_V2 = "{\"type\":\"record\",\"name\":\"User\",\"namespace\":\"t\","
            + "\"fields\":[{\"name\":\"name\",\"type\":\"string\"},"
            + "{\"name\":\"age\",\"type\":[\"null\",\"int\"],\"default\":null}]}";

    private final KafkaTestCluster kafka = KafkaTestCluster.shared();
    private final String topic = KafkaTestCluster.uniqueName("_schemas");
    private LocalSchemaRegistry registry;
    private RegistryHttp http;

    @BeforeEach
    void start() {
        startRegistry();
    }

    private void startRegistry() {
        registry = LocalSchemaRegistry.start(kafka.bootstrapServers(), 0, topic);
        http = new RegistryHttp(registry.port());
    }

    @AfterEach
    void stop() {
        registry.close();
    }

    private int register(String subject, String schema) {
        Answer answer = http.post("/subjects/" + subject + "/versions", RegistryHttp.schemaBody(schema));
        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        return answer.json().get("id").asInt();
    }

    @Test
    void shouldRegisterASchemaAndServeItById() {
        int id = register("users-value", USER);

        Answer answer = http.get("/schemas/ids/" + id);

        assertThat(id).isEqualTo(1);
        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.contentType()).isEqualTo(RegistryHttp.V1);
        assertThat(answer.json().get("schema").asText()).isEqualTo(SchemaStore.canonical(USER));
    }

    @Test
    void shouldAnswerTheExistingIdForASchemaRegisteredAgainOrUnderAnotherSubject() {
        int id = register("users-value", USER);

        assertThat(register("users-value", USER)).isEqualTo(id);
        assertThat(register("people-value", USER)).isEqualTo(id);
        assertThat(register("users-value", USER_V2)).isEqualTo(id + 1);
        assertThat(http.get("/subjects/users-value/versions").json()).hasSize(2);
        assertThat(http.get("/schemas/ids/" + id + "/versions").body()).isEqualTo(
                "[{\"subject\":\"people-value\",\"version\":1},{\"subject\":\"users-value\",\"version\":1}]");
    }

    @Test
    void shouldListSubjectsAndVersions() {
        register("users-value", USER);
        register("users-value", USER_V2);
        register("orders-value", "\"string\"");

        assertThat(http.get("/subjects").body()).isEqualTo("[\"orders-value\",\"users-value\"]");
        assertThat(http.get("/subjects/users-value/versions").body()).isEqualTo("[1,2]");
        JsonNode latest = http.get("/subjects/users-value/versions/latest").json();
        assertThat(latest.get("subject").asText()).isEqualTo("users-value");
        assertThat(latest.get("version").asInt()).isEqualTo(2);
        assertThat(latest.get("id").asInt()).isEqualTo(2);
        assertThat(latest.get("schema").asText()).isEqualTo(SchemaStore.canonical(USER_V2));
        assertThat(http.get("/subjects/users-value/versions/1/schema").body()).isEqualTo(SchemaStore.canonical(USER));
    }

    @Test
    void shouldLookUpTheVersionThatHoldsASchema() {
        register("users-value", USER);
        register("users-value", USER_V2);

        Answer found = http.post("/subjects/users-value", RegistryHttp.schemaBody(USER));
        Answer missing = http.post("/subjects/users-value", RegistryHttp.schemaBody("\"int\""));
        Answer unknownSubject = http.post("/subjects/nobody-value", RegistryHttp.schemaBody(USER));

        assertThat(found.status()).isEqualTo(200);
        assertThat(found.json().get("version").asInt()).isEqualTo(1);
        assertThat(found.json().get("id").asInt()).isEqualTo(1);
        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.json().get("error_code").asInt()).isEqualTo(40403);
        assertThat(unknownSubject.status()).isEqualTo(404);
        assertThat(unknownSubject.body())
                .isEqualTo("{\"error_code\":40401,\"message\":\"Subject 'nobody-value' not found.\"}");
    }

    @Test
    void shouldRefuseAMalformedSchemaWith42201() {
        Answer answer = http.post("/subjects/users-value/versions",
                RegistryHttp.schemaBody("{\"type\":\"record\",\"name\":\"User\",\"fields\":[{\"name\":\"x\"}]}"));

        assertThat(answer.status()).isEqualTo(422);
        assertThat(answer.contentType()).isEqualTo(RegistryHttp.V1);
        assertThat(answer.json().get("error_code").asInt()).isEqualTo(42201);
        assertThat(answer.json().get("message").asText()).startsWith("Invalid schema");
        assertThat(http.get("/subjects").body()).isEqualTo("[]");
    }

    @Test
    void shouldRefuseOtherSchemaTypesWith42201() {
        Answer answer = http.post("/subjects/users-value/versions",
                "{\"schemaType\":\"PROTOBUF\",\"schema\":\"syntax = \\\"proto3\\\";\"}");

        assertThat(answer.status()).isEqualTo(422);
        assertThat(answer.json().get("error_code").asInt()).isEqualTo(42201);
        assertThat(answer.json().get("message").asText()).contains("PROTOBUF");
    }

    @Test
    void shouldAnswerUnknownIdsVersionsAndPathsWithConfluentErrors() {
        register("users-value", USER);

        assertThat(http.get("/schemas/ids/99").json().get("error_code").asInt()).isEqualTo(40403);
        assertThat(http.get("/subjects/users-value/versions/7").json().get("error_code").asInt()).isEqualTo(40402);
        assertThat(http.get("/subjects/users-value/versions/0").json().get("error_code").asInt()).isEqualTo(42202);
        Answer unknownPath = http.get("/nowhere");
        assertThat(unknownPath.status()).isEqualTo(404);
        assertThat(unknownPath.json().get("error_code").asInt()).isEqualTo(404);
    }

    @Test
    void shouldAnswerInTheMediaTypeTheClientAccepts() {
        assertThat(http.get("/", "application/json").contentType()).isEqualTo("application/json");
        assertThat(http.get("/", "application/vnd.schemaregistry+json").contentType())
                .isEqualTo("application/vnd.schemaregistry+json");
        assertThat(http.get("/", "*/*").contentType()).isEqualTo(RegistryHttp.V1);
        assertThat(http.get("/").body()).isEqualTo("{}");
        assertThat(http.get("/config").body()).isEqualTo("{\"compatibilityLevel\":\"NONE\"}");
        assertThat(http.get("/schemas/types").body()).isEqualTo("[\"AVRO\"]");
    }

    @Test
    void shouldSoftDeleteASubjectAndKeepItsIdsResolving() {
        int id = register("users-value", USER);

        Answer deleted = http.delete("/subjects/users-value");

        assertThat(deleted.body()).isEqualTo("[1]");
        assertThat(http.get("/subjects").body()).isEqualTo("[]");
        assertThat(http.get("/subjects?deleted=true").body()).isEqualTo("[\"users-value\"]");
        assertThat(http.get("/schemas/ids/" + id).status()).isEqualTo(200);
        assertThat(http.delete("/subjects/users-value?permanent=true").json().get("error_code").asInt())
                .isEqualTo(42205);
    }

    @Test
    void shouldKeepIdsAcrossARestartAndGiveANewSchemaTheNextId() {
        int user = register("users-value", USER);
        int string = register("orders-value", "\"string\"");
        http.delete("/subjects/orders-value");

        registry.close();
        startRegistry();

        assertThat(http.get("/schemas/ids/" + user).json().get("schema").asText())
                .isEqualTo(SchemaStore.canonical(USER));
        assertThat(http.get("/subjects").body()).isEqualTo("[\"users-value\"]");
        assertThat(register("users-value", USER)).isEqualTo(user);
        assertThat(register("users-value", USER_V2)).isEqualTo(string + 1);
        assertThat(http.get("/subjects/users-value/versions").body()).isEqualTo("[1,2]");
    }

    @Test
    void shouldRefuseATopicOfSeveralPartitionsWhoseOrderIsLost() {
        String split = KafkaTestCluster.uniqueName("_schemas");
        kafka.createTopics(2, split);

        assertThatThrownBy(() -> LocalSchemaRegistry.start(kafka.bootstrapServers(), 0, split))
                .hasMessageContaining("has 2 partitions");
    }

    @Test
    void shouldKeepSchemasInACompactedTopicOfOnePartition() throws Exception {
        try (Admin admin = kafka.admin()) {
            TopicDescription description = admin.describeTopics(List.of(topic)).allTopicNames()
                    .get(30, TimeUnit.SECONDS).get(topic);
            ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
            Map<ConfigResource, Config> configs = admin.describeConfigs(List.of(resource)).all()
                    .get(30, TimeUnit.SECONDS);

            assertThat(description.partitions()).hasSize(1);
            assertThat(configs.get(resource).get(TopicConfig.CLEANUP_POLICY_CONFIG).value())
                    .isEqualTo(TopicConfig.CLEANUP_POLICY_COMPACT);
        }
    }
}
