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
 * annotation key: [u16 length][session key][annotation id, UTF-8]
 * </pre>
 */
public final class StoreKeys {
    /** The value of entries whose key says everything (indexes, deadlines): one shared empty array. */
    public static final byte[] NO_VALUE = new byte[0];
    /**
     * The key, in the turn-index store, of the session index's marker (SessionIndexStore): a session prefix of length
     * zero and nothing after it, which no turn's key can be.
     */
    public static final Bytes INDEX_MARKER = Bytes.wrap(new byte[] {0, 0});
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

    /** The time part of a deadline key. */
    public static long deadlineTime(Bytes deadlineKey) {
        return ByteBuffer.wrap(deadlineKey.get()).getLong() ^ Long.MIN_VALUE;
    }

    /** The key of one annotation of a session (of the session itself or of one of its turns). */
    public static Bytes annotation(String sessionKey, String annotationId) {
        byte[] session = sessionKey.getBytes(StandardCharsets.UTF_8);
        byte[] id = annotationId.getBytes(StandardCharsets.UTF_8);
        return Bytes.wrap(prefix(session, id.length).put(id).array());
    }

    /** The prefix of every annotation key of a session. */
    public static Bytes annotationsOf(String sessionKey) {
        return Bytes.wrap(prefix(sessionKey.getBytes(StandardCharsets.UTF_8), 0).array());
    }

    /** The key part of a deadline key. */
    public static String deadlineKey(Bytes deadlineKey) {
        byte[] bytes = deadlineKey.get();
        return new String(bytes, Long.BYTES, bytes.length - Long.BYTES, StandardCharsets.UTF_8);
    }

    /** True when {@code key} is a transcript key of the session (a cursor a client sent back). */
    public static boolean isTranscriptKeyOf(Bytes key, String sessionKey) {
        byte[] from = transcriptFrom(sessionKey).get();
        byte[] bytes = key.get();
        return bytes.length == from.length
                && Arrays.equals(bytes, 0, from.length - Long.BYTES - TRACE_ID_BYTES, from, 0,
                        from.length - Long.BYTES - TRACE_ID_BYTES);
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
