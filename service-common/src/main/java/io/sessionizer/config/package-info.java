/** Typed, validated service configuration read from a properties file and {@code SESSIONIZER_*} / {@code KAFKA_*} environment variables. */
package io.sessionizer.config;
