package io.sessionizer.aggregator.domain;

import io.sessionizer.schemas.IoValue;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * What one turn may carry, so that every record the aggregator writes (turn deltas, turns, summaries, state) stays
 * well under Kafka's record limit whatever a span holds. Texts longer than {@code maxTextBytes} keep their beginning
 * and are marked ({@link IoValue#getTruncated()}, {@link IoValue#getOriginalSize()}); names (models, projects, users)
 * are cut to {@value #MAX_NAME_CHARS} characters, and at most {@value #MAX_NAMES} models (and projects) are kept per
 * turn and per session; session ids longer than {@value #MAX_SESSION_ID_CHARS} characters keep a prefix and a hash
 * of the whole id, so that two different long ids never merge into one session. Metadata and tags ({@link Metadata})
 * keep at most {@value #MAX_METADATA_KEYS} keys and {@value #MAX_TAGS} tags per turn and per session, each key, value
 * and tag cut to {@value #MAX_METADATA_CHARS} characters.
 *
 * @param maxTextBytes UTF-8 bytes kept of an input or output text ({@code turn.max-text-bytes})
 */
public record TurnLimits(int maxTextBytes) {
    public static final int MAX_NAME_CHARS = 256;
    public static final int MAX_NAMES = 32;
    public static final int MAX_SESSION_ID_CHARS = 256;
    public static final int MAX_METADATA_KEYS = 64;
    public static final int MAX_TAGS = 32;
    public static final int MAX_METADATA_CHARS = 256;
    /** Leaf LLM calls listed per turn; more are counted, in the turn's totals and in {@code llm_calls_cut}. */
    public static final int MAX_LLM_CALLS = 64;
    /** LLM spans stage 1 keeps per trace to tell leaves from wrappers; more are dropped and counted. */
    public static final int MAX_LLM_SPANS = 256;
    /** Tool calls listed per turn; more are counted in {@code tool_calls_cut}. */
    public static final int MAX_TOOL_CALLS = 32;
    /** Tool-call ids stage 1 keeps per trace, to keep the results of the trace's own calls only. */
    public static final int MAX_TOOL_CALL_IDS = 64;
    /** UTF-8 bytes kept of a tool call's arguments and of its result. */
    public static final int MAX_TOOL_TEXT_BYTES = 2048;
    public static final TurnLimits DEFAULTS = new TurnLimits(64 * 1024);
    /** "~" and 16 hex digits of SHA-256 of the whole id. */
    private static final int HASH_SUFFIX_CHARS = 17;
    private static final HexFormat HEX = HexFormat.of();

    /** The most UTF-8 bytes a kept name or session id can take: 3 bytes per UTF-16 char at most. */
    public static final int MAX_NAME_BYTES = 3 * Math.max(MAX_NAME_CHARS, MAX_SESSION_ID_CHARS);
    /** The most UTF-8 bytes the metadata (keys and values) and tags of a turn or session can take. */
    public static final int MAX_METADATA_BYTES = 3 * MAX_METADATA_CHARS * (2 * MAX_METADATA_KEYS + MAX_TAGS);

    public TurnLimits {
        if (maxTextBytes < 16) {
            throw new IllegalArgumentException("A turn must keep at least 16 bytes of text, not " + maxTextBytes);
        }
    }

    /** A text as kept in a turn: whole, or its first {@code maxTextBytes} UTF-8 bytes, marked, counting the cut. */
    IoValue io(String text, String mimeType, Cuts cuts) {
        return io(text, mimeType, null, cuts);
    }

    /**
     * As {@link #io(String, String, Cuts)}, for a text that may have been cut before (by the ingest, which marks the
     * span with {@code sessionizer.original_size.<key>}): {@code originalSize}, when larger than the text, is its size
     * before that cut, and the turn says so.
     */
    IoValue io(String text, String mimeType, Long originalSize, Cuts cuts) {
        return cut(text, mimeType, originalSize, maxTextBytes, cuts);
    }

    /** A tool call's arguments or result, cut to {@value #MAX_TOOL_TEXT_BYTES} bytes and marked; null stays null. */
    IoValue toolText(String text, Cuts cuts) {
        return text == null ? null : cut(text, null, null, MAX_TOOL_TEXT_BYTES, cuts);
    }

    private IoValue cut(String text, String mimeType, Long originalSize, int maxTextBytes, Cuts cuts) {
        long size = utf8Length(text, maxTextBytes);
        if (size <= maxTextBytes) {
            // Counted to the end: size is the text's whole length.
            return originalSize != null && originalSize > size
                    ? new IoValue(text, name(mimeType, cuts), true, originalSize)
                    : new IoValue(text, name(mimeType, cuts), false, null);
        }
        cuts.texts++;
        long full = utf8Length(text, Long.MAX_VALUE);
        return new IoValue(prefixOfUtf8Bytes(text, maxTextBytes), name(mimeType, cuts), true,
                originalSize != null && originalSize > full ? originalSize : full);
    }

    /** A name cut to {@value #MAX_NAME_CHARS} characters, never splitting a surrogate pair; null stays null. */
    String name(String name, Cuts cuts) {
        if (name == null || name.length() <= MAX_NAME_CHARS) {
            return name;
        }
        cuts.texts++;
        return prefixOfChars(name, MAX_NAME_CHARS);
    }

    /**
     * A session id of at most {@value #MAX_SESSION_ID_CHARS} characters: a longer one keeps its beginning and ends in
     * {@code ~} and 16 hex digits of the SHA-256 of the whole id, so the same id always gives the same key and
     * different ids differ.
     */
    String sessionId(String id, Cuts cuts) {
        if (id == null || id.length() <= MAX_SESSION_ID_CHARS) {
            return id;
        }
        cuts.sessionIds++;
        return storedSessionId(id);
    }

    /**
     * The id under which a session is stored: the id itself, or a longer one cut as {@code sessionId} cuts it. A cut
     * id is short enough to be its own stored id, so the API finds a session by either.
     */
    public static String storedSessionId(String id) {
        if (id == null || id.length() <= MAX_SESSION_ID_CHARS) {
            return id;
        }
        byte[] digest = sha256().digest(id.getBytes(StandardCharsets.UTF_8));
        return prefixOfChars(id, MAX_SESSION_ID_CHARS - HASH_SUFFIX_CHARS) + "~" + HEX.formatHex(digest, 0, 8);
    }

    /** UTF-8 length of a text, counting no further than just past {@code stopAfter}. */
    private static long utf8Length(String text, long stopAfter) {
        long bytes = 0;
        for (int i = 0; i < text.length() && bytes <= stopAfter; i++) {
            bytes += utf8Bytes(text, i);
            if (Character.isHighSurrogate(text.charAt(i)) && i + 1 < text.length()
                    && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            }
        }
        return bytes;
    }

    /** The longest prefix whose UTF-8 encoding fits in {@code maxBytes}, ending on a whole code point. */
    private static String prefixOfUtf8Bytes(String text, int maxBytes) {
        long bytes = 0;
        int i = 0;
        while (i < text.length()) {
            int width = utf8Bytes(text, i);
            int chars = width == 4 ? 2 : 1;
            if (bytes + width > maxBytes) {
                break;
            }
            bytes += width;
            i += chars;
        }
        return text.substring(0, i);
    }

    /** UTF-8 bytes of the code point at {@code i}; a lone surrogate counts as the 3-byte replacement it encodes to. */
    private static int utf8Bytes(String text, int i) {
        char c = text.charAt(i);
        if (c < 0x80) {
            return 1;
        }
        if (c < 0x800) {
            return 2;
        }
        if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
            return 4;
        }
        return 3;
    }

    static String prefixOfChars(String text, int chars) {
        int end = Character.isHighSurrogate(text.charAt(chars - 1)) ? chars - 1 : chars;
        return text.substring(0, end);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("Every Java runtime has SHA-256", e);
        }
    }

    /** What one span's assembly cut, for the caller's metrics; the domain code itself knows no metrics. */
    public static final class Cuts {
        long texts;
        long sessionIds;
        long metadata;
        long toolCalls;
        long llmSpans;

        public long texts() {
            return texts;
        }

        public long sessionIds() {
            return sessionIds;
        }

        /** Metadata entries and tags dropped over the bounds, and metadata keys, values and tags cut. */
        public long metadata() {
            return metadata;
        }

        /** Tool calls not listed because the turn's list was full. */
        public long toolCalls() {
            return toolCalls;
        }

        /** LLM spans dropped because stage 1 kept {@value TurnLimits#MAX_LLM_SPANS} of their trace already. */
        public long llmSpans() {
            return llmSpans;
        }

        public void reset() {
            texts = 0;
            sessionIds = 0;
            metadata = 0;
            toolCalls = 0;
            llmSpans = 0;
        }
    }
}
