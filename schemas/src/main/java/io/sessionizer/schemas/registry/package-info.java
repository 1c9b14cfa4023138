/**
 * Schema Registry clients: the Confluent REST API client, an in-memory registry for tests, and their settings. Written
 * here because Confluent's own client ({@code io.confluent:*}) is not in the reachable Maven registry.
 */
package io.sessionizer.schemas.registry;
