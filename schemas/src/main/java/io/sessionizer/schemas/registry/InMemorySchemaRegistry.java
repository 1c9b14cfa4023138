package io.sessionizer.schemas.registry;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;

/**
 * A registry in this JVM, for tests and for {@code schema.registry.url=mem://<name>}. Ids are assigned as Confluent
 * does: global, increasing from 1, and the same schema gets the same id under every subject; each subject keeps its
 * versions. Schemas are compared by their Avro JSON form ({@link Schema#toString()}), as Confluent compares them.
 */
public final class InMemorySchemaRegistry implements SchemaRegistryClient {
    private static final Map<String, InMemorySchemaRegistry> NAMED = new ConcurrentHashMap<>();

    private final Map<String, Integer> idsBySchema = new HashMap<>();
    private final List<Schema> schemasById = new ArrayList<>();
    private final Map<String, List<Integer>> versionsBySubject = new TreeMap<>();

    /** The registry of this name, shared by everything in the JVM that asks for it ({@code mem://<name>}). */
    public static InMemorySchemaRegistry named(String name) {
        return NAMED.computeIfAbsent(name, n -> new InMemorySchemaRegistry());
    }

    @Override
    public synchronized int register(String subject, Schema schema) {
        String canonical = schema.toString();
        Integer id = idsBySchema.get(canonical);
        if (id == null) {
            schemasById.add(new Schema.Parser().parse(canonical));
            id = schemasById.size();
            idsBySchema.put(canonical, id);
        }
        List<Integer> versions = versionsBySubject.computeIfAbsent(subject, s -> new ArrayList<>());
        if (!versions.contains(id)) {
            versions.add(id);
        }
        return id;
    }

    @Override
    public synchronized Schema schemaById(int id) {
        if (id < 1 || id > schemasById.size()) {
            throw new SchemaRegistryException(404, 40403, "Schema " + id + " not found");
        }
        return schemasById.get(id - 1);
    }

    /** The registered subjects, sorted. */
    public synchronized List<String> subjects() {
        return List.copyOf(versionsBySubject.keySet());
    }

    /** The schema ids of a subject's versions, oldest first (version 1 first); empty for an unknown subject. */
    public synchronized List<Integer> versions(String subject) {
        return List.copyOf(versionsBySubject.getOrDefault(subject, List.of()));
    }
}
