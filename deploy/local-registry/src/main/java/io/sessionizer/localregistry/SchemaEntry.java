package io.sessionizer.localregistry;

/**
 * One version of one subject: the record the registry keeps, one per key in its topic. A soft-deleted version stays,
 * marked deleted, so that its id keeps resolving and its version number is never reused.
 *
 * @param schema the schema in its canonical form, Avro's own JSON ({@code Schema.toString()})
 */
record SchemaEntry(String subject, int version, int id, String schema, boolean deleted) {

    SchemaEntry asDeleted() {
        return new SchemaEntry(subject, version, id, schema, true);
    }
}
