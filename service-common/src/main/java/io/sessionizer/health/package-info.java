/**
 * The services' {@code /healthz}, {@code /readyz} and {@code /metrics}, and the container health check, a tiny
 * client of the first two.
 */
package io.sessionizer.health;
