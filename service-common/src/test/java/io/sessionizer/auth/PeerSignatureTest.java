package io.sessionizer.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class PeerSignatureTest {
    private static final byte[] SECRET = "peer-signature-test-secret-32-chars".getBytes(StandardCharsets.UTF_8);
    private static final Instant NOW = Instant.parse("2026-12-07T12:00:00Z");
    private static final PeerSignature SIGNER = PeerSignature.of(SECRET, Clock.fixed(NOW, ZoneOffset.UTC));

    private static PeerSignature at(Instant instant) {
        return PeerSignature.of(SECRET, Clock.fixed(instant, ZoneOffset.UTC));
    }

    @Test
    void shouldAcceptItsOwnSignatureForTheSameRequest() {
        String header = SIGNER.sign("GET", "/api/v1/sessions?limit=5", "1");
        assertThat(SIGNER.verify(header, "GET", "/api/v1/sessions?limit=5", "1")).isTrue();
        assertThat(at(NOW.plusSeconds(60)).verify(header, "GET", "/api/v1/sessions?limit=5", "1")).isTrue();
    }

    @Test
    void shouldRefuseASignatureOfAnotherRequestOrScope() {
        String header = SIGNER.sign("GET", "/api/v1/sessions?limit=5", "1");
        assertThat(SIGNER.verify(header, "GET", "/api/v1/sessions?limit=6", "1")).isFalse();
        assertThat(SIGNER.verify(header, "GET", "/api/v1/stats", "1")).isFalse();
        assertThat(SIGNER.verify(header, "DELETE", "/api/v1/sessions?limit=5", "1")).isFalse();
        assertThat(SIGNER.verify(header, "GET", "/api/v1/sessions?limit=5", "standby")).isFalse();
    }

    @Test
    void shouldRefuseAStaleOrFutureSignature() {
        String header = SIGNER.sign("GET", "/api/v1/stats", "1");
        assertThat(at(NOW.plusSeconds(61)).verify(header, "GET", "/api/v1/stats", "1")).isFalse();
        assertThat(at(NOW.minusSeconds(61)).verify(header, "GET", "/api/v1/stats", "1")).isFalse();
    }

    @Test
    void shouldRefuseAForgedMissingOrMalformedSignature() {
        PeerSignature other = PeerSignature.of("another-deployment-secret-32-chars".getBytes(StandardCharsets.UTF_8),
                Clock.fixed(NOW, ZoneOffset.UTC));
        assertThat(SIGNER.verify(other.sign("GET", "/api/v1/stats", "1"), "GET", "/api/v1/stats", "1")).isFalse();
        String seconds = Long.toString(NOW.getEpochSecond());
        for (String forged : new String[] {null, "", "1", seconds, seconds + ".", seconds + ".!!", "x.abc",
                "." + seconds, seconds + "." + "A".repeat(200)}) {
            assertThat(SIGNER.verify(forged, "GET", "/api/v1/stats", "1")).as(forged).isFalse();
        }
    }

    @Test
    void shouldBuildTheSignedTargetFromThePathAndTheQuery() {
        assertThat(PeerSignature.target("/api/v1/sessions", "limit=5")).isEqualTo("/api/v1/sessions?limit=5");
        assertThat(PeerSignature.target("/api/v1/stats", null)).isEqualTo("/api/v1/stats");
    }

    @Test
    void shouldSignAndVerifyFromManyThreadsAtOnce() {
        String expected = SIGNER.sign("GET", "/api/v1/stats", "1");
        List<String> signed = IntStream.range(0, 2000).parallel()
                .mapToObj(i -> SIGNER.sign("GET", "/api/v1/stats", "1")).toList();
        assertThat(signed).containsOnly(expected);
        assertThat(IntStream.range(0, 2000).parallel()
                .allMatch(i -> SIGNER.verify(expected, "GET", "/api/v1/stats", "1"))).isTrue();
    }
}
