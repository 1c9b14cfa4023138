/** Kafka serdes for the Avro records: plain Avro binary for internal topics and stores. */
package io.sessionizer.schemas.serde;
