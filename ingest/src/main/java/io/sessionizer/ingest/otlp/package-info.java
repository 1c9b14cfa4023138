/**
 * OTLP trace payloads as plain data: decoding protobuf and strict OTLP/JSON, and encoding answers in the request's
 * encoding. Splitting into one record per trace is the {@code otlp_spans} record format's, in the schemas module.
 */
package io.sessionizer.ingest.otlp;
