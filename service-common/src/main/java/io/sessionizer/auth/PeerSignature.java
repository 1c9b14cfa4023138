package io.sessionizer.auth;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs and checks the header with which one aggregator instance asks another for its own part of an answer
 * ({@value #LOCAL_HEADER}). The forwarding instance adds {@value #PEER_HEADER}{@code : <epoch seconds>.<tag>}, the tag
 * an HMAC-SHA256 over {@code "peer"}, the seconds, the method, the path with its query and the value of
 * {@value #LOCAL_HEADER}, under a key derived from the deployment's shared secret ({@code api.cursor-secret}). A
 * signature older or newer than {@link #MAX_AGE} is refused, so that a captured request cannot be replayed for long;
 * within that time it can only ask the same read again.
 */
public final class PeerSignature {
    /** Answered from the asked instance's own stores only ({@code standby}: from its standby copy). */
    public static final String LOCAL_HEADER = "x-sessionizer-local";
    /** The signature that makes {@value #LOCAL_HEADER} count. */
    public static final String PEER_HEADER = "x-sessionizer-peer";
    public static final Duration MAX_AGE = Duration.ofSeconds(60);
    private static final String ALGORITHM = "HmacSHA256";
    /** The purpose under which the peer key is derived from the shared secret, apart from the cursors' use of it. */
    private static final byte[] PURPOSE = "sessionizer peer signature v1".getBytes(StandardCharsets.US_ASCII);
    private static final int MAX_HEADER_CHARS = 128;

    private final SecretKeySpec key;
    /** Initialised once with the key; each sign or verify uses a clone (a Mac is not thread-safe). */
    private final Mac mac;
    private final Clock clock;

    private PeerSignature(byte[] derived, Clock clock) {
        this.key = new SecretKeySpec(derived, ALGORITHM);
        this.mac = mac(key);
        this.clock = clock;
    }

    /** The signature of a deployment whose shared secret is {@code secret} (its bytes as configured). */
    public static PeerSignature of(byte[] secret, Clock clock) {
        return new PeerSignature(mac(new SecretKeySpec(secret, ALGORITHM)).doFinal(PURPOSE), clock);
    }

    /** The signature of a deployment whose {@code api.cursor-secret} is {@code secret}, at the system clock. */
    public static PeerSignature of(String secret) {
        return of(secret.getBytes(StandardCharsets.UTF_8), Clock.systemUTC());
    }

    /**
     * The request target that {@link #sign} and {@link #verify} take: the path, with {@code ?query} when there is one.
     * The forwarding and the checking instance both build it here, so that they cannot disagree on it.
     *
     * @param query the query without its {@code ?}, or null for none
     */
    public static String target(String path, String query) {
        return query == null ? path : path + "?" + query;
    }

    /**
     * The value of {@value #PEER_HEADER} for a request.
     *
     * @param pathAndQuery the path with {@code ?query} when there is one, as sent
     * @param local the value of {@value #LOCAL_HEADER}
     */
    public String sign(String method, String pathAndQuery, String local) {
        long seconds = clock.instant().getEpochSecond();
        return seconds + "." + Base64.getUrlEncoder().withoutPadding()
                .encodeToString(tag(seconds, method, pathAndQuery, local));
    }

    /** True when {@code header} is a signature of this deployment for this request, at most {@link #MAX_AGE} off. */
    public boolean verify(String header, String method, String pathAndQuery, String local) {
        if (header == null || header.length() > MAX_HEADER_CHARS) {
            return false;
        }
        int dot = header.indexOf('.');
        if (dot <= 0) {
            return false;
        }
        long seconds;
        byte[] tag;
        try {
            seconds = Long.parseLong(header.substring(0, dot));
            tag = Base64.getUrlDecoder().decode(header.substring(dot + 1));
        } catch (IllegalArgumentException e) {
            return false;
        }
        long now = clock.instant().getEpochSecond();
        boolean fresh = Math.abs(now - seconds) <= MAX_AGE.toSeconds();
        // Compared whatever the age, so that the time taken says nothing of which check failed.
        boolean genuine = MessageDigest.isEqual(tag, tag(seconds, method, pathAndQuery, local));
        return fresh && genuine;
    }

    private byte[] tag(long seconds, String method, String pathAndQuery, String local) {
        // Newlines apart: none can occur in a method, a request target or a header value.
        String signed = "peer\n" + seconds + "\n" + method + "\n" + pathAndQuery + "\n" + local;
        Mac copy;
        try {
            copy = (Mac) mac.clone();
        } catch (CloneNotSupportedException e) {
            // The JDK's HmacSHA256 is cloneable; a provider whose Mac is not gets a fresh one (slower, still right).
            copy = mac(key);
        }
        return copy.doFinal(signed.getBytes(StandardCharsets.UTF_8));
    }

    private static Mac mac(SecretKeySpec key) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            return mac;
        } catch (GeneralSecurityException e) {
            // HmacSHA256 is a provider every Java SE runtime must have, and any key length is valid for it.
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }
}
