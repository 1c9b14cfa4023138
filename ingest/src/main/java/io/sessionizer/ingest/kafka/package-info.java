/** The Kafka side of ingest: producer settings, the one-record-per-trace producer and the readiness probe. */
package io.sessionizer.ingest.kafka;
