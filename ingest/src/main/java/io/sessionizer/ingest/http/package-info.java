/** The Armeria HTTP services: OTLP/HTTP {@code POST /v1/traces} and the operational endpoints. */
package io.sessionizer.ingest.http;
