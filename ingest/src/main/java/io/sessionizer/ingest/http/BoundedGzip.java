package io.sessionizer.ingest.http;

import io.sessionizer.ingest.pipeline.IngestException;
import io.sessionizer.ingest.pipeline.RejectReason;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;

/**
 * Inflates a gzip body while counting, and stops as soon as the output passes the limit, so that a small
 * compressed body cannot claim gigabytes of memory (a gzip bomb).
 */
final class BoundedGzip {
    private static final int CHUNK = 64 * 1024;

    private BoundedGzip() {
    }

    static byte[] decompress(byte[] compressed, long maxBytes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min(compressed.length * 4, CHUNK));
        byte[] chunk = new byte[CHUNK];
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(compressed), CHUNK)) {
            int n;
            while ((n = in.read(chunk)) > 0) {
                if ((long) out.size() + n > maxBytes) {
                    throw new IngestException(RejectReason.TOO_LARGE,
                            "Request body exceeds the limit of " + maxBytes + " bytes after gzip decompression");
                }
                out.write(chunk, 0, n);
            }
        } catch (IOException e) {
            throw new IngestException(RejectReason.MALFORMED, "Malformed gzip body: " + e.getMessage());
        }
        return out.toByteArray();
    }
}
