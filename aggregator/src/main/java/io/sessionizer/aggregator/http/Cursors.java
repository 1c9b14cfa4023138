package io.sessionizer.aggregator.http;

import java.util.Base64;
import org.apache.kafka.common.utils.Bytes;

/**
 * Pagination cursors: the store key of the last entry of a page, base64url. Opaque to clients, and stable: a key
 * names a position in an ordered store, so a page continues where the last one ended even while sessions change.
 */
final class Cursors {
    private Cursors() {
    }

    static String encode(Bytes key) {
        return key == null ? null : Base64.getUrlEncoder().withoutPadding().encodeToString(key.get());
    }

    /**
     * The store key of a cursor, or null when there is none.
     *
     * @throws IllegalArgumentException when the cursor is not one this API handed out
     */
    static Bytes decode(String cursor) {
        if (cursor == null || cursor.isEmpty()) {
            return null;
        }
        try {
            return Bytes.wrap(Base64.getUrlDecoder().decode(cursor));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Invalid cursor '" + cursor + "': pass a next_cursor as received", e);
        }
    }
}
