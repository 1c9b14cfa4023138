/** OTLP/gRPC: {@code opentelemetry.proto.collector.trace.v1.TraceService/Export} served by Armeria. */
package io.sessionizer.ingest.grpc;
