/**
 * The record format of {@code otlp_spans}: one OTLP {@code ExportTraceServiceRequest} per trace, keyed by its hex trace
 * id (a trace larger than a record may be is split over several records with the same key, and a span too large
 * alone is cut, see {@link io.sessionizer.schemas.otlp.TraceFitter}). The ingest writes it; the aggregator re-keys
 * records that arrive in another shape. {@code otlp_logs} is the same for log records: one OTLP
 * {@code ExportLogsServiceRequest} per trace ({@link io.sessionizer.schemas.otlp.LogSplitter}).
 */
package io.sessionizer.schemas.otlp;
