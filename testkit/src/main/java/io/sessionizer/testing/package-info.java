/**
 * Test fixtures for every module's tests (test scope only): the shared in-JVM KRaft broker, the OTLP trace builder,
 * the GenAI instrumentations' payloads and the typed client of the REST API; for the security tests a CA made at test
 * time, a broker with a SASL_SSL listener and a capture of the log. Depends on no Sessionizer module, so that every
 * module can use it.
 */
package io.sessionizer.testing;
