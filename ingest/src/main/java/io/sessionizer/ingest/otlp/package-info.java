/**
 * OTLP trace payloads as plain data: decoding (protobuf and OTLP/JSON), splitting into one request per trace,
 * encoding answers.
 */
package io.sessionizer.ingest.otlp;
