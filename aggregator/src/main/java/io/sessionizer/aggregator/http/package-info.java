/** The aggregator's HTTP surface: the REST API, health, readiness and metrics, on Armeria. */
package io.sessionizer.aggregator.http;
