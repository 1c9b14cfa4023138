package io.sessionizer.localregistry;

/** Where the registry makes each change durable before it answers; the Kafka topic in production. */
interface SchemaLog {

    /**
     * Stores the entry, replacing any earlier one of the same subject and version, and returns once it is durable.
     *
     * @throws RuntimeException when it could not be stored; the registry then answers 50001
     */
    void append(SchemaEntry entry);
}
