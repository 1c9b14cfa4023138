/**
 * The record format of {@code otlp_spans}: one OTLP {@code ExportTraceServiceRequest} per trace, keyed by its hex trace
 * id. The ingest writes it; the aggregator re-keys records that arrive in another shape.
 */
package io.sessionizer.schemas.otlp;
