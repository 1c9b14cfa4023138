package io.sessionizer.aggregator.http;

import io.sessionizer.auth.PeerSignature;
import io.sessionizer.config.ConfigException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pagination cursors: the store key of the last entry of a page, signed. Opaque to clients, and stable: a key names a
 * position in an ordered store, so a page continues where the last one ended even while sessions change.
 *
 * <p>A cursor is base64url (no padding) of {@code version · kind · store key · HMAC-SHA256}, the HMAC taken under
 * the deployment's secret ({@code api.cursor-secret}) over the version, the kind (a list of sessions or a
 * transcript), the tenant and the store key. Only a cursor this deployment handed out, for the same kind of list and
 * the same tenant, decodes; anything else, forged, altered, cut or signed under another secret, is an
 * {@link InvalidCursorException} (a 400). Every instance of a deployment must share the secret: lists gather the
 * cursors of the others.
 */
public final class Cursors {
    /** Characters a configured secret has at least, as {@code openssl rand -base64 32} gives 44. */
    public static final int MIN_SECRET_CHARS = 32;
    /** The longest cursor decoded: a transcript key of a 256-character session id is far shorter. */
    static final int MAX_CURSOR_CHARS = 4096;
    private static final Logger LOG = LoggerFactory.getLogger(Cursors.class);
    private static final String ALGORITHM = "HmacSHA256";
    /** 2: a sessions cursor is a position in a sorted list of the session index (1 was a by-end-time key). */
    private static final byte VERSION = 2;
    private static final int HEADER_BYTES = 2;
    private static final int TAG_BYTES = 32;

    /** What a cursor continues: part of what is signed, so that one kind is never taken for the other. */
    enum Kind {
        SESSIONS((byte) 's'),
        TURNS((byte) 't');

        private final byte tag;

        Kind(byte tag) {
            this.tag = tag;
        }
    }

    private final SecretKeySpec key;

    Cursors(byte[] secret) {
        this.key = new SecretKeySpec(secret.clone(), ALGORITHM);
    }

    /**
     * The cursors of a deployment whose secret is {@code secret} (the value of {@code api.cursor-secret}); blank picks
     * a random secret for this process, which is safe for one instance only, and says so in one log line.
     *
     * @throws ConfigException when the secret is shorter than {@value #MIN_SECRET_CHARS} characters (the message
     *     never repeats it)
     */
    public static Cursors of(String secret, String settingName) {
        if (secret == null || secret.isBlank()) {
            byte[] random = new byte[TAG_BYTES];
            new SecureRandom().nextBytes(random);
            LOG.warn("{} is not set: list cursors and requests to other instances are signed with a random key of this"
                    + " process. Set the same {} on every instance when several serve one deployment, or a cursor from"
                    + " one is a 400 at another and the instances refuse each other's forwarded requests (403)",
                    settingName, settingName);
            return new Cursors(random);
        }
        if (secret.length() < MIN_SECRET_CHARS) {
            throw new ConfigException("Invalid value for " + settingName + ": it must have at least "
                    + MIN_SECRET_CHARS + " characters (for example from 'openssl rand -base64 32'), not "
                    + secret.length());
        }
        return new Cursors(secret.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The signature of the requests between the instances, under a key derived from the same secret: with a random
     * secret (none configured), instances refuse each other's forwarded requests, as they refuse each other's cursors.
     */
    public PeerSignature peerSignature() {
        return PeerSignature.of(key.getEncoded(), Clock.systemUTC());
    }

    /** The cursor after {@code storeKey} in a list of {@code kind} for {@code tenant}; null for no key. */
    String encode(Kind kind, String tenant, byte[] storeKey) {
        if (storeKey == null) {
            return null;
        }
        byte[] keyBytes = storeKey;
        byte[] cursor = new byte[HEADER_BYTES + keyBytes.length + TAG_BYTES];
        cursor[0] = VERSION;
        cursor[1] = kind.tag;
        System.arraycopy(keyBytes, 0, cursor, HEADER_BYTES, keyBytes.length);
        System.arraycopy(tag(kind, tenant, keyBytes), 0, cursor, HEADER_BYTES + keyBytes.length, TAG_BYTES);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(cursor);
    }

    /**
     * The store key of a cursor this deployment handed out for a list of {@code kind} of {@code tenant}, or null when
     * there is none (null or empty).
     *
     * @throws InvalidCursorException for anything else; never another exception
     */
    byte[] decode(Kind kind, String tenant, String cursor) {
        if (cursor == null || cursor.isEmpty()) {
            return null;
        }
        if (cursor.length() > MAX_CURSOR_CHARS) {
            throw new InvalidCursorException();
        }
        byte[] bytes;
        try {
            bytes = Base64.getUrlDecoder().decode(cursor);
        } catch (IllegalArgumentException e) {
            throw new InvalidCursorException();
        }
        if (bytes.length < HEADER_BYTES + TAG_BYTES || bytes[0] != VERSION || bytes[1] != kind.tag) {
            throw new InvalidCursorException();
        }
        byte[] keyBytes = Arrays.copyOfRange(bytes, HEADER_BYTES, bytes.length - TAG_BYTES);
        byte[] tag = Arrays.copyOfRange(bytes, bytes.length - TAG_BYTES, bytes.length);
        if (!MessageDigest.isEqual(tag, tag(kind, tenant, keyBytes))) {
            throw new InvalidCursorException();
        }
        return keyBytes;
    }

    private byte[] tag(Kind kind, String tenant, byte[] storeKey) {
        byte[] tenantBytes = tenant.getBytes(StandardCharsets.UTF_8);
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            mac.update(ByteBuffer.allocate(HEADER_BYTES + Integer.BYTES).put(VERSION).put(kind.tag)
                    .putInt(tenantBytes.length).array());
            mac.update(tenantBytes);
            return mac.doFinal(storeKey);
        } catch (GeneralSecurityException e) {
            // HmacSHA256 is a provider every Java SE runtime must have, and any key length is valid for it.
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }

    /** A cursor this deployment did not hand out, or not for this list: a 400 naming the {@code cursor} parameter. */
    static final class InvalidCursorException extends IllegalArgumentException {
        InvalidCursorException() {
            super("Invalid cursor: pass the next_cursor of the previous page, unchanged, to the same list");
        }
    }
}
