/** The container health check: a tiny client of the services' own {@code /healthz} and {@code /readyz}. */
package io.sessionizer.health;
