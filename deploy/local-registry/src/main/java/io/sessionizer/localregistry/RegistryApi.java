package io.sessionizer.localregistry;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.AggregatedHttpRequest;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.server.annotation.Blocking;
import com.linecorp.armeria.server.annotation.Default;
import com.linecorp.armeria.server.annotation.Delete;
import com.linecorp.armeria.server.annotation.Get;
import com.linecorp.armeria.server.annotation.Param;
import com.linecorp.armeria.server.annotation.Post;
import java.util.List;

/**
 * The endpoints of the Confluent Schema Registry API that its serializers and common clients call
 * (https://docs.confluent.io/platform/current/schema-registry/develop/api.html), for Avro schemas only. Not served:
 * compatibility checks and settings ({@code /config} always answers {@code NONE}, which is what this registry
 * enforces), modes, contexts, schema references, and permanent deletion, which would let an id be reused.
 *
 * <p>Blocking: a registration waits for Kafka's acknowledgement.
 */
@Blocking
final class RegistryApi {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String AVRO = "AVRO";

    private final SchemaStore store;

    RegistryApi(SchemaStore store) {
        this.store = store;
    }

    @Get("/")
    public HttpResponse root(RequestHeaders headers) {
        return ok(headers, JSON.createObjectNode());
    }

    @Get("/schemas/types")
    public HttpResponse schemaTypes(RequestHeaders headers) {
        return ok(headers, JSON.createArrayNode().add(AVRO));
    }

    @Get("/schemas/ids/{id}")
    public HttpResponse schemaById(@Param("id") int id, RequestHeaders headers) {
        return ok(headers, JSON.createObjectNode().put("schema", store.schemaById(id)));
    }

    @Get("/schemas/ids/{id}/versions")
    public HttpResponse subjectVersionsById(@Param("id") int id, RequestHeaders headers) {
        ArrayNode answer = JSON.createArrayNode();
        for (SchemaStore.SubjectVersion v : store.subjectVersionsById(id)) {
            answer.addObject().put("subject", v.subject()).put("version", v.version());
        }
        return ok(headers, answer);
    }

    @Get("/subjects")
    public HttpResponse subjects(@Param("deleted") @Default("false") boolean deleted, RequestHeaders headers) {
        return ok(headers, strings(store.subjects(deleted)));
    }

    @Post("/subjects/{subject}/versions")
    public HttpResponse register(@Param("subject") String subject, AggregatedHttpRequest request) {
        SchemaEntry entry = store.register(subject, schemaText(request));
        return ok(request.headers(), JSON.createObjectNode().put("id", entry.id()));
    }

    @Post("/subjects/{subject}")
    public HttpResponse lookup(@Param("subject") String subject,
            @Param("deleted") @Default("false") boolean deleted, AggregatedHttpRequest request) {
        return ok(request.headers(), version(store.lookup(subject, schemaText(request), deleted)));
    }

    @Get("/subjects/{subject}/versions")
    public HttpResponse versions(@Param("subject") String subject,
            @Param("deleted") @Default("false") boolean deleted, RequestHeaders headers) {
        ArrayNode answer = JSON.createArrayNode();
        store.versions(subject, deleted).forEach(answer::add);
        return ok(headers, answer);
    }

    @Get("/subjects/{subject}/versions/{version}")
    public HttpResponse version(@Param("subject") String subject, @Param("version") String version,
            @Param("deleted") @Default("false") boolean deleted, RequestHeaders headers) {
        return ok(headers, version(store.version(subject, version, deleted)));
    }

    /** The schema itself, unwrapped. */
    @Get("/subjects/{subject}/versions/{version}/schema")
    public HttpResponse versionSchema(@Param("subject") String subject, @Param("version") String version,
            @Param("deleted") @Default("false") boolean deleted, RequestHeaders headers) {
        return HttpResponse.of(RegistryMediaTypes.headers(HttpStatus.OK, headers),
                HttpData.ofUtf8(store.version(subject, version, deleted).schema()));
    }

    /** Soft delete: the versions disappear from the subject, their ids keep resolving. */
    @Delete("/subjects/{subject}")
    public HttpResponse deleteSubject(@Param("subject") String subject,
            @Param("permanent") @Default("false") boolean permanent, RequestHeaders headers) {
        if (permanent) {
            throw RegistryError.notPermitted("Permanent deletion is not supported by this registry: an id must "
                    + "never come back with another schema");
        }
        ArrayNode answer = JSON.createArrayNode();
        store.deleteSubject(subject).forEach(answer::add);
        return ok(headers, answer);
    }

    @Get("/config")
    public HttpResponse config(RequestHeaders headers) {
        return ok(headers, compatibility());
    }

    /** No subject has a level of its own, so each answers the global one, as with {@code defaultToGlobal=true}. */
    @Get("regex:^/config/[^/]+$")
    public HttpResponse subjectConfig(RequestHeaders headers) {
        return ok(headers, compatibility());
    }

    private static ObjectNode compatibility() {
        return JSON.createObjectNode().put("compatibilityLevel", "NONE");
    }

    private static ObjectNode version(SchemaEntry entry) {
        return JSON.createObjectNode()
                .put("subject", entry.subject())
                .put("version", entry.version())
                .put("id", entry.id())
                .put("schema", entry.schema());
    }

    private static ArrayNode strings(List<String> values) {
        ArrayNode array = JSON.createArrayNode();
        values.forEach(array::add);
        return array;
    }

    /**
     * The {@code schema} of a request body {@code {"schema": "...", "schemaType": "AVRO", "references": []}}; other
     * fields are ignored, as Confluent ignores unknown ones.
     */
    private static String schemaText(AggregatedHttpRequest request) {
        JsonNode body;
        try {
            body = JSON.readTree(request.contentUtf8());
        } catch (JsonProcessingException e) {
            throw RegistryError.badRequest("Malformed JSON body: " + e.getOriginalMessage());
        }
        if (body == null || !body.isObject()) {
            throw RegistryError.badRequest("The body must be a JSON object such as {\"schema\": \"...\"}");
        }
        JsonNode type = body.get("schemaType");
        if (type != null && !type.isNull() && !AVRO.equals(type.asText())) {
            throw RegistryError.invalidSchema("Schema type " + type.asText() + " is not supported: this registry "
                    + "holds AVRO schemas only");
        }
        JsonNode references = body.get("references");
        if (references != null && references.isArray() && !references.isEmpty()) {
            throw RegistryError.invalidSchema("Schema references are not supported by this registry");
        }
        JsonNode schema = body.get("schema");
        if (schema == null || !schema.isTextual()) {
            throw RegistryError.invalidSchema("Empty schema");
        }
        return schema.asText();
    }

    private static HttpResponse ok(RequestHeaders headers, JsonNode body) {
        return HttpResponse.of(RegistryMediaTypes.headers(HttpStatus.OK, headers),
                HttpData.ofUtf8(body.toString()));
    }
}
