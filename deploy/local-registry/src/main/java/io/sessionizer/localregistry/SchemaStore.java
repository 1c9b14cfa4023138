package io.sessionizer.localregistry;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import org.apache.avro.Schema;

/**
 * The registry's state and rules, as Confluent defines them: a schema's id is global, the same canonical schema gets
 * the same id under every subject, new ids count up from 1; each subject numbers its versions from 1; registering a
 * schema a subject already holds changes nothing. Every change is written to the {@link SchemaLog} before it is
 * applied, so an answer never reports what was not stored. One lock: registrations are rare and reads are map lookups.
 */
final class SchemaStore {
    static final String LATEST = "latest";

    /** A version of a subject that holds a schema, for {@code GET /schemas/ids/{id}/versions}. */
    record SubjectVersion(String subject, int version) {
    }

    private final SchemaLog log;
    private final Map<String, Integer> idsBySchema = new HashMap<>();
    private final Map<Integer, String> schemasById = new HashMap<>();
    private final Map<String, NavigableMap<Integer, SchemaEntry>> subjects = new TreeMap<>();
    /** Separate from the maps: an id or version whose write failed is never handed out again (see register). */
    private final Map<String, Integer> lastVersions = new HashMap<>();
    private int lastId;

    /** @param replayed the log's entries, oldest first, as read back at start */
    SchemaStore(SchemaLog log, Iterable<SchemaEntry> replayed) {
        this.log = log;
        for (SchemaEntry entry : replayed) {
            apply(entry);
        }
    }

    private void apply(SchemaEntry entry) {
        idsBySchema.putIfAbsent(entry.schema(), entry.id());
        schemasById.putIfAbsent(entry.id(), entry.schema());
        subjects.computeIfAbsent(entry.subject(), s -> new TreeMap<>()).put(entry.version(), entry);
        lastVersions.merge(entry.subject(), entry.version(), Math::max);
        lastId = Math.max(lastId, entry.id());
    }

    /** Registers the schema under the subject, or returns the live version that already holds it. */
    synchronized SchemaEntry register(String subject, String schemaText) {
        String canonical = canonical(schemaText);
        SchemaEntry existing = find(subject, canonical, false);
        if (existing != null) {
            return existing;
        }
        int id = idsBySchema.getOrDefault(canonical, lastId + 1);
        int version = lastVersions.getOrDefault(subject, 0) + 1;
        SchemaEntry entry = new SchemaEntry(subject, version, id, canonical, false);
        try {
            log.append(entry);
        } catch (RuntimeException e) {
            // The write may still land later: never reuse this id for another schema, nor this version.
            lastId = Math.max(lastId, id);
            lastVersions.put(subject, version);
            throw RegistryError.storeError("Error while registering schema: " + e.getMessage(), e);
        }
        apply(entry);
        return entry;
    }

    /** {@code POST /subjects/{subject}}: the version of the subject that holds this schema. */
    synchronized SchemaEntry lookup(String subject, String schemaText, boolean includeDeleted) {
        String canonical = canonical(schemaText);
        liveVersions(subject, includeDeleted);
        SchemaEntry found = find(subject, canonical, includeDeleted);
        if (found == null) {
            throw RegistryError.schemaNotFound("Schema not found");
        }
        return found;
    }

    synchronized String schemaById(int id) {
        String schema = schemasById.get(id);
        if (schema == null) {
            throw RegistryError.schemaNotFound("Schema " + id + " not found");
        }
        return schema;
    }

    synchronized List<SubjectVersion> subjectVersionsById(int id) {
        schemaById(id);
        List<SubjectVersion> found = new ArrayList<>();
        for (NavigableMap<Integer, SchemaEntry> versions : subjects.values()) {
            for (SchemaEntry entry : versions.values()) {
                if (entry.id() == id && !entry.deleted()) {
                    found.add(new SubjectVersion(entry.subject(), entry.version()));
                }
            }
        }
        return found;
    }

    /** The subjects, sorted; a subject whose versions are all deleted only when asked for. */
    synchronized List<String> subjects(boolean includeDeleted) {
        return subjects.entrySet().stream()
                .filter(e -> includeDeleted || e.getValue().values().stream().anyMatch(v -> !v.deleted()))
                .map(Map.Entry::getKey)
                .toList();
    }

    synchronized List<Integer> versions(String subject, boolean includeDeleted) {
        return liveVersions(subject, includeDeleted).stream().map(SchemaEntry::version).toList();
    }

    /** @param version a version number or {@code latest} */
    synchronized SchemaEntry version(String subject, String version, boolean includeDeleted) {
        List<SchemaEntry> versions = liveVersions(subject, includeDeleted);
        if (LATEST.equals(version)) {
            return versions.get(versions.size() - 1);
        }
        int number = parseVersion(version);
        return versions.stream().filter(v -> v.version() == number).findFirst()
                .orElseThrow(() -> RegistryError.versionNotFound(number));
    }

    /** Soft-deletes every live version of the subject; returns their numbers. Ids keep resolving. */
    synchronized List<Integer> deleteSubject(String subject) {
        List<SchemaEntry> live = liveVersions(subject, false);
        for (SchemaEntry entry : live) {
            SchemaEntry deleted = entry.asDeleted();
            try {
                log.append(deleted);
            } catch (RuntimeException e) {
                throw RegistryError.storeError("Error while deleting subject '" + subject + "': " + e.getMessage(),
                        e);
            }
            apply(deleted);
        }
        return live.stream().map(SchemaEntry::version).toList();
    }

    /** The subject's versions, oldest first, never empty: 40401 when there is none to show. */
    private List<SchemaEntry> liveVersions(String subject, boolean includeDeleted) {
        NavigableMap<Integer, SchemaEntry> versions = subjects.get(subject);
        List<SchemaEntry> found = versions == null ? List.of() : versions.values().stream()
                .filter(v -> includeDeleted || !v.deleted())
                .toList();
        if (found.isEmpty()) {
            throw RegistryError.subjectNotFound(subject);
        }
        return found;
    }

    private SchemaEntry find(String subject, String canonical, boolean includeDeleted) {
        NavigableMap<Integer, SchemaEntry> versions = subjects.getOrDefault(subject, new TreeMap<>());
        // Newest first: after a soft delete and a new registration, the live version wins.
        for (SchemaEntry entry : versions.descendingMap().values()) {
            if (entry.schema().equals(canonical) && (includeDeleted || !entry.deleted())) {
                return entry;
            }
        }
        return null;
    }

    private static int parseVersion(String version) {
        try {
            int number = Integer.parseInt(version);
            if (number >= 1) {
                return number;
            }
        } catch (NumberFormatException e) {
            // Answered below, as Confluent does.
        }
        throw RegistryError.invalidVersion(version);
    }

    /**
     * Avro's own JSON of the parsed schema: whitespace and attribute order no longer matter, while docs and logical
     * types do, as in Confluent's {@code AvroSchema.canonicalString()}.
     */
    static String canonical(String schemaText) {
        if (schemaText == null || schemaText.isBlank()) {
            throw RegistryError.invalidSchema("Empty schema");
        }
        try {
            return new Schema.Parser().parse(schemaText).toString();
        } catch (RuntimeException e) {
            throw RegistryError.invalidSchema("Invalid schema: " + e.getMessage());
        }
    }
}
