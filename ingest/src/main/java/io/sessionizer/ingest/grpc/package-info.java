/**
 * OTLP/gRPC: {@code opentelemetry.proto.collector.trace.v1.TraceService/Export} and
 * {@code opentelemetry.proto.collector.logs.v1.LogsService/Export} served by Armeria.
 */
package io.sessionizer.ingest.grpc;
