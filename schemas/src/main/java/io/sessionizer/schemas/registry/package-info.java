/**
 * Schema Registry clients: the Confluent REST API client and an in-memory registry for tests (their settings are the
 * services', in {@code io.sessionizer.config.RegistrySettings}). Written here because Confluent's own client
 * ({@code io.confluent:*}) is not in the reachable Maven registry.
 */
package io.sessionizer.schemas.registry;
