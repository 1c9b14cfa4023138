/**
 * TLS of the services' listening ports and of their calls to each other: the {@code tls.*} settings, the PEM
 * certificate and key re-read when they change, and client-certificate authentication.
 */
package io.sessionizer.tls;
