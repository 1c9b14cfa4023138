package io.sessionizer.aggregator.store;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import org.apache.kafka.common.utils.Bytes;

/**
 * Byte layouts of the composite keys. A session prefix is the UTF-8 session key preceded by its length, so that no
 * session's keys can fall inside another's range; times are big-endian with the sign bit flipped, so that byte order
 * is time order.
 *
 * <pre>
 * transcript key: [u16 length][session key][start micros, 8 bytes][trace id, 16 bytes]
 * turn index key: [u16 length][session key][trace id, 16 bytes]
 * deadline key:   [time ms, 8 bytes][key]   (what is due first comes first)
 * by-end-time key: [end micros inverted, 8 bytes][session key]   (newest first)
 * token key:      [token UTF-8][0x00][u16 length][session key][trace id, 16 bytes]
 * stats key:      {tenant}/{project}, and {tenant}/ for all projects
 * </pre>
 */
public final class StoreKeys {
    /** The value of entries whose key says everything (indexes, deadlines): one shared empty array. */
    public static final byte[] NO_VALUE = new byte[0];
    private static final int TRACE_ID_BYTES = 16;
    private static final HexFormat HEX = HexFormat.of();

    private StoreKeys() {
    }

    /** The key of one turn in the transcript: session, then start time, then trace id. */
    public static Bytes transcript(String sessionKey, long startMicros, String traceId) {
        byte[] session = sessionKey.getBytes(StandardCharsets.UTF_8);
        return Bytes.wrap(prefix(session, Long.BYTES + TRACE_ID_BYTES)
                .putLong(startMicros ^ Long.MIN_VALUE)
                .put(traceIdBytes(traceId))
                .array());
    }

    /** The key that leads from a session's trace to the start time under which its turn is filed. */
    public static Bytes turnIndex(String sessionKey, String traceId) {
        byte[] session = sessionKey.getBytes(StandardCharsets.UTF_8);
        return Bytes.wrap(prefix(session, TRACE_ID_BYTES).put(traceIdBytes(traceId)).array());
    }

    /** The lowest transcript key of a session. */
    public static Bytes transcriptFrom(String sessionKey) {
        byte[] session = sessionKey.getBytes(StandardCharsets.UTF_8);
        return Bytes.wrap(prefix(session, Long.BYTES + TRACE_ID_BYTES).array());
    }

    /** The highest transcript key of a session (inclusive bound). */
    public static Bytes transcriptTo(String sessionKey) {
        byte[] session = sessionKey.getBytes(StandardCharsets.UTF_8);
        ByteBuffer buffer = prefix(session, Long.BYTES + TRACE_ID_BYTES);
        byte[] key = buffer.array();
        Arrays.fill(key, buffer.position(), key.length, (byte) 0xFF);
        return Bytes.wrap(key);
    }

    /** The key under which {@code key} is filed to be handled at {@code timeMs}. */
    public static Bytes deadline(long timeMs, String key) {
        byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
        return Bytes.wrap(ByteBuffer.allocate(Long.BYTES + bytes.length).putLong(timeMs ^ Long.MIN_VALUE).put(bytes)
                .array());
    }

    /** The exclusive upper bound of every deadline key due at or before {@code timeMs}. */
    public static Bytes deadlinesDueBy(long timeMs) {
        return Bytes.wrap(ByteBuffer.allocate(Long.BYTES).putLong((timeMs + 1) ^ Long.MIN_VALUE).array());
    }

    /** The lowest deadline key. */
    public static Bytes deadlinesFrom() {
        return Bytes.wrap(new byte[0]);
    }

    /** The key part of a deadline key. */
    public static String deadlineKey(Bytes deadlineKey) {
        byte[] bytes = deadlineKey.get();
        return new String(bytes, Long.BYTES, bytes.length - Long.BYTES, StandardCharsets.UTF_8);
    }

    /** The key of a session in the by-end-time index; the bytes of the end time are inverted, newest first. */
    public static Bytes byEndTime(long endMicros, String sessionKey) {
        byte[] bytes = sessionKey.getBytes(StandardCharsets.UTF_8);
        return Bytes.wrap(ByteBuffer.allocate(Long.BYTES + bytes.length).putLong(~(endMicros ^ Long.MIN_VALUE))
                .put(bytes).array());
    }

    /** The session key of a by-end-time key. */
    public static String byEndTimeSession(Bytes key) {
        byte[] bytes = key.get();
        return new String(bytes, Long.BYTES, bytes.length - Long.BYTES, StandardCharsets.UTF_8);
    }

    /** True when {@code key} can be a by-end-time key (a cursor a client sent back). */
    public static boolean isByEndTimeKey(Bytes key) {
        return key.get().length > Long.BYTES;
    }

    /** True when {@code key} is a transcript key of the session (a cursor a client sent back). */
    public static boolean isTranscriptKeyOf(Bytes key, String sessionKey) {
        byte[] from = transcriptFrom(sessionKey).get();
        byte[] bytes = key.get();
        return bytes.length == from.length
                && Arrays.equals(bytes, 0, from.length - Long.BYTES - TRACE_ID_BYTES, from, 0,
                        from.length - Long.BYTES - TRACE_ID_BYTES);
    }

    /** The key under which a session's turn is found by one of its search tokens. */
    public static Bytes token(String token, String sessionKey, String traceId) {
        return token(token, tokenSuffix(sessionKey, traceId));
    }

    /** The same key, from the part that all tokens of one turn share: built once per turn, not once per token. */
    public static Bytes token(String token, byte[] tokenSuffix) {
        byte[] word = token.getBytes(StandardCharsets.UTF_8);
        return Bytes.wrap(ByteBuffer.allocate(word.length + tokenSuffix.length).put(word).put(tokenSuffix).array());
    }

    /** What follows the token in the token keys of a turn: {@code [0x00][u16 length][session key][trace id]}. */
    public static byte[] tokenSuffix(String sessionKey, String traceId) {
        byte[] session = sessionKey.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(1 + 2 + session.length + TRACE_ID_BYTES).put((byte) 0)
                .putShort((short) session.length).put(session).put(traceIdBytes(traceId)).array();
    }

    /**
     * The prefix of every token key of {@code word}: with {@code wholeWord} the word exactly, else every token that
     * starts with it. Tokens hold no 0x00 byte (UTF-8 of letters and digits), so 0x00 ends a token.
     */
    public static Bytes tokenPrefix(String word, boolean wholeWord) {
        byte[] bytes = word.getBytes(StandardCharsets.UTF_8);
        return Bytes.wrap(wholeWord ? Arrays.copyOf(bytes, bytes.length + 1) : bytes);
    }

    /**
     * The inclusive upper bound of the keys that start with a token prefix: 0xFF never occurs in UTF-8, so every key
     * with the prefix sorts below it and every other key above the prefix sorts above it.
     */
    public static Bytes tokenPrefixEnd(Bytes prefix) {
        byte[] bytes = Arrays.copyOf(prefix.get(), prefix.get().length + 1);
        bytes[bytes.length - 1] = (byte) 0xFF;
        return Bytes.wrap(bytes);
    }

    /** The session key of a token key. */
    public static String tokenSession(Bytes key) {
        byte[] bytes = key.get();
        int i = 0;
        while (bytes[i] != 0) {
            i++;
        }
        int length = ((bytes[i + 1] & 0xFF) << 8) | (bytes[i + 2] & 0xFF);
        return new String(bytes, i + 3, length, StandardCharsets.UTF_8);
    }

    /** The stats key of a tenant's project; an empty project means all of the tenant's sessions. */
    public static String stats(String tenant, String project) {
        return tenant + "/" + project;
    }

    /** Microseconds since the epoch, the resolution of span times. */
    public static long micros(Instant time) {
        return Math.addExact(Math.multiplyExact(time.getEpochSecond(), 1_000_000L), time.getNano() / 1000L);
    }

    private static ByteBuffer prefix(byte[] session, int suffixBytes) {
        if (session.length > 0xFFFF) {
            throw new IllegalArgumentException("Session key longer than 65535 bytes");
        }
        ByteBuffer buffer = ByteBuffer.allocate(2 + session.length + suffixBytes);
        buffer.putShort((short) session.length).put(session);
        return buffer;
    }

    private static byte[] traceIdBytes(String traceId) {
        byte[] bytes = HEX.parseHex(traceId);
        if (bytes.length != TRACE_ID_BYTES) {
            throw new IllegalArgumentException("Trace id must be 16 bytes: " + traceId);
        }
        return bytes;
    }
}
