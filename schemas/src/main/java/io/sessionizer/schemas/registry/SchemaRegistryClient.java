package io.sessionizer.schemas.registry;

import org.apache.avro.Schema;

/**
 * The two calls a Confluent-wire-format serde needs. Implementations cache both answers: an id never changes its
 * schema, and registering the same schema under the same subject always gives back the same id. Safe for concurrent
 * use from every stream thread.
 */
public interface SchemaRegistryClient {

    /**
     * Registers {@code schema} under {@code subject}, or finds it when it is already there, and returns its global id.
     *
     * @throws SchemaRegistryException when the registry refuses the schema or cannot be reached
     */
    int register(String subject, Schema schema);

    /**
     * The schema with this global id.
     *
     * @throws SchemaRegistryException when the id is unknown (HTTP 404, error 40403) or the registry cannot be reached
     */
    Schema schemaById(int id);
}
