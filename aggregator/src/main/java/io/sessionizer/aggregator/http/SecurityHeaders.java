package io.sessionizer.aggregator.http;

import com.linecorp.armeria.server.ServerBuilder;
import java.util.Map;

/**
 * The browser hardening of every answer of the aggregator (UI, API, ops endpoints): a Content-Security-Policy that
 * allows only the UI's own files (no inline script or style, no framing, no plugin), no MIME sniffing, no referrer.
 * The UI keeps to it: no inline script, handler or style attribute, and transcripts are text, never HTML.
 */
public final class SecurityHeaders {
    public static final String CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'; style-src 'self';"
            + " img-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self';"
            + " frame-ancestors 'none'";
    /** Header name to value, as every answer carries them. */
    public static final Map<String, String> HEADERS = Map.of(
            "content-security-policy", CONTENT_SECURITY_POLICY,
            "x-content-type-options", "nosniff",
            "referrer-policy", "no-referrer",
            "x-frame-options", "DENY");

    private SecurityHeaders() {
    }

    /** Sets the headers on every answer of the server. */
    public static ServerBuilder addTo(ServerBuilder server) {
        HEADERS.forEach(server::setHeader);
        return server;
    }
}
