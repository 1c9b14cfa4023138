/** The load generator: synthetic LLM-application traces sent to any OTLP endpoint, over HTTP or gRPC, measured. */
package io.sessionizer.loadgen;
