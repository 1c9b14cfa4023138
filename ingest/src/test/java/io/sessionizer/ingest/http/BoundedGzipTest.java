package io.sessionizer.ingest.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sessionizer.ingest.pipeline.IngestException;
import io.sessionizer.ingest.pipeline.RejectReason;
import io.sessionizer.testing.OtlpTraces;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class BoundedGzipTest {

    @Test
    void shouldInflateABodyWithinTheLimit() {
        byte[] data = "hello, otlp".repeat(1000).getBytes(StandardCharsets.UTF_8);

        assertThat(BoundedGzip.decompress(OtlpTraces.gzip(data), data.length)).isEqualTo(data);
    }

    @Test
    void shouldStopAGzipBombAtTheLimit() {
        byte[] bomb = OtlpTraces.gzip(new byte[64 * 1024 * 1024]);
        assertThat(bomb.length).isLessThan(100 * 1024);

        assertThatThrownBy(() -> BoundedGzip.decompress(bomb, 1024 * 1024))
                .isInstanceOfSatisfying(IngestException.class,
                        e -> assertThat(e.reason()).isEqualTo(RejectReason.TOO_LARGE))
                .hasMessage("Request body exceeds the limit of 1048576 bytes after gzip decompression");
    }

    @Test
    void shouldRejectABodyThatIsNotGzip() {
        assertThatThrownBy(() -> BoundedGzip.decompress("plain".getBytes(StandardCharsets.UTF_8), 1024))
                .isInstanceOfSatisfying(IngestException.class,
                        e -> assertThat(e.reason()).isEqualTo(RejectReason.MALFORMED))
                .hasMessage("Malformed gzip body: Not in GZIP format");
    }
}
