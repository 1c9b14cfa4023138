package io.sessionizer.schemas.serde;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.EncoderFactory;

/**
 * Encodes Avro records through a buffer and an encoder kept per thread, reused from one record to the next: a
 * buffered encoder writes the buffer in blocks, where a direct encoder over a fresh stream made one synchronized
 * write per value and grew the stream's array by copies (a tenth of the aggregator's stream thread in a profile).
 * Avro has no pooled encoder of its own; {@link EncoderFactory#binaryEncoder} only reuses an encoder it is given.
 */
final class ThreadEncoder {
    /** A buffer that grew past this for one large record is dropped after it, not kept for the thread's life. */
    private static final int KEEP_BYTES = 1 << 20;
    private static final ThreadLocal<ThreadEncoder> LOCAL = ThreadLocal.withInitial(ThreadEncoder::new);

    private Buffer out = new Buffer();
    private BinaryEncoder encoder;

    private ThreadEncoder() {
    }

    /** {@code prefix} then the binary encoding of {@code value}, as a new array. */
    static <T> byte[] encode(DatumWriter<T> writer, T value, byte[] prefix) throws IOException {
        return LOCAL.get().write(writer, value, prefix);
    }

    private <T> byte[] write(DatumWriter<T> writer, T value, byte[] prefix) throws IOException {
        boolean written = false;
        try {
            out.reset();
            out.write(prefix, 0, prefix.length);
            encoder = EncoderFactory.get().binaryEncoder(out, encoder);
            writer.write(value, encoder);
            encoder.flush();
            written = true;
            return out.toByteArray();
        } finally {
            // A failed record may leave bytes in the encoder's buffer, which reusing it would write first.
            if (!written || out.capacity() > KEEP_BYTES) {
                out = new Buffer();
                encoder = null;
            }
        }
    }

    /** A byte stream whose capacity can be read. */
    private static final class Buffer extends ByteArrayOutputStream {
        Buffer() {
            super(1024);
        }

        int capacity() {
            return buf.length;
        }
    }
}
