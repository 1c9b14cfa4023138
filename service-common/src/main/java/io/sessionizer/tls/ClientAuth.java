package io.sessionizer.tls;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** Whether a TLS port asks clients for a certificate signed by {@code tls.client-ca-file}. */
public enum ClientAuth {
    /** No client certificate is asked for. */
    NONE(io.netty.handler.ssl.ClientAuth.NONE),
    /** A client may present a certificate; one that does must present a valid one. */
    OPTIONAL(io.netty.handler.ssl.ClientAuth.OPTIONAL),
    /** Every client must present a valid certificate, or the handshake fails. */
    REQUIRE(io.netty.handler.ssl.ClientAuth.REQUIRE);

    private final io.netty.handler.ssl.ClientAuth netty;

    ClientAuth(io.netty.handler.ssl.ClientAuth netty) {
        this.netty = netty;
    }

    io.netty.handler.ssl.ClientAuth netty() {
        return netty;
    }

    /** The setting's text ({@code none}, {@code optional}, {@code require}). */
    public String text() {
        return name().toLowerCase(Locale.ROOT);
    }

    static ClientAuth parse(String text) {
        for (ClientAuth mode : values()) {
            if (mode.text().equals(text.trim().toLowerCase(Locale.ROOT))) {
                return mode;
            }
        }
        throw new IllegalArgumentException("must be one of "
                + Arrays.stream(values()).map(ClientAuth::text).collect(Collectors.joining(", ")));
    }
}
