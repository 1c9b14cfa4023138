/** The ingest service: settings, the server wiring HTTP, gRPC and Kafka together, and the command line. */
package io.sessionizer.ingest;
