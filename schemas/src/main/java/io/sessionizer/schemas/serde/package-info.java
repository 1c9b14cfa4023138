/**
 * Kafka serdes for the Avro records: the Confluent wire format for published topics, plain Avro binary for the
 * aggregator's internal topics and stores.
 */
package io.sessionizer.schemas.serde;
