package io.sessionizer.health;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * The health check of the container images, which carry no shell, curl or wget: GETs one URL and exits 0 on a 2xx
 * answer, 1 otherwise. Docker and Compose run it inside the container, e.g.
 * {@code java -cp '/app/libs/*' io.sessionizer.health.HealthProbe http://localhost:8080/readyz}; Kubernetes probes
 * the same endpoints over HTTP itself. With {@code tls.cert-file} set, probe {@code https://localhost:...}: the probe
 * does not check the certificate, since it asks its own container's port for a status code and sends nothing, and the
 * certificate names the service's host, not localhost, under a CA the image may not hold. A port with
 * {@code tls.client-auth=require} refuses the probe: probe one with {@code optional}, or the port's TCP socket.
 *
 * <p>Only {@code java.base}, so the probe's JVM starts in a fraction of a second on the image's class data archive.
 */
public final class HealthProbe {
    static final int HEALTHY = 0;
    static final int UNHEALTHY = 1;
    private static final Duration TIMEOUT = Duration.ofSeconds(3);
    private static final SSLContext ANY_CERTIFICATE = anyCertificate();

    private HealthProbe() {
    }

    public static void main(String[] args) {
        if (args.length != 1) {
            System.err.println("usage: HealthProbe URL");
            System.exit(2);
        }
        System.exit(probe(URI.create(args[0]), TIMEOUT));
    }

    private static SSLContext anyCertificate() {
        X509TrustManager trustAll = new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        };
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {trustAll}, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("TLS is not available", e);
        }
    }

    /** {@link #HEALTHY} when the URL answers 2xx within the timeout; prints the status either way. */
    static int probe(URI url, Duration timeout) {
        HttpURLConnection connection = null;
        try {
            connection = (HttpURLConnection) url.toURL().openConnection();
            if (connection instanceof HttpsURLConnection https) {
                https.setSSLSocketFactory(ANY_CERTIFICATE.getSocketFactory());
                https.setHostnameVerifier((host, session) -> true);
            }
            connection.setConnectTimeout((int) timeout.toMillis());
            connection.setReadTimeout((int) timeout.toMillis());
            int status = connection.getResponseCode();
            System.out.println(url + " answered " + status);
            // Read the body so that the server sees a complete exchange, not a reset.
            try (InputStream body = status < 400 ? connection.getInputStream() : connection.getErrorStream()) {
                if (body != null) {
                    body.readAllBytes();
                }
            }
            return status >= 200 && status < 300 ? HEALTHY : UNHEALTHY;
        } catch (IOException | IllegalArgumentException e) {
            System.out.println(url + " unreachable: " + e);
            return UNHEALTHY;
        } finally {
            if (connection != null) {
                connection.disconnect();
            }
        }
    }
}
