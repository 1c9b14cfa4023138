package io.sessionizer.aggregator.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.RequestHeadersBuilder;
import com.linecorp.armeria.server.Server;
import io.sessionizer.auth.PeerSignature;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The signed peer header in front of the API, and the security headers on every answer, on a real server. */
class PeerCheckTest {
    private static final byte[] SECRET = "peer-check-test-secret-of-32-chars".getBytes(StandardCharsets.UTF_8);
    private static final PeerSignature PEERS = PeerSignature.of(SECRET, Clock.systemUTC());
    private static final String PATH = "/api/v1/sessions?limit=5";
    private static Server server;
    private static WebClient client;

    @BeforeAll
    static void start() {
        server = SecurityHeaders.addTo(Server.builder().http(0))
                .service("/api/v1/sessions", (ctx, req) -> HttpResponse.of(PeerCheck.fromPeer(ctx) ? "peer" : "client"))
                // Added before the check, so that it runs after it (as a rate limit would): it sees the verdict.
                .decoratorUnder("/api/", (delegate, ctx, req) -> delegate.serve(ctx, req).mapHeaders(headers ->
                        headers.toBuilder().set("x-seen-from-peer", Boolean.toString(PeerCheck.fromPeer(ctx)))
                                .build()))
                .decoratorUnder("/api/", new PeerCheck(new Cursors(SECRET).peerSignature()))
                .service(WebUi.service())
                .build();
        server.start().join();
        client = WebClient.of("http://127.0.0.1:" + server.activeLocalPort());
    }

    @AfterAll
    static void stop() {
        server.stop().join();
    }

    private static AggregatedHttpResponse get(String path, Map<String, String> headers) {
        RequestHeadersBuilder builder = RequestHeaders.builder(HttpMethod.GET, path);
        headers.forEach(builder::add);
        return client.execute(builder.build()).aggregate().join();
    }

    @Test
    void shouldAnswerAValidlySignedLocalRequestAsFromAPeer() {
        AggregatedHttpResponse response = get(PATH, Map.of(PeerSignature.LOCAL_HEADER, "1",
                PeerSignature.PEER_HEADER, PEERS.sign("GET", PATH, "1")));
        assertThat(response.status().code()).isEqualTo(200);
        assertThat(response.contentUtf8()).isEqualTo("peer");
        assertThat(response.headers().get("x-seen-from-peer")).isEqualTo("true");
        assertThat(get(PATH, Map.of()).contentUtf8()).isEqualTo("client");
    }

    @Test
    void shouldRefuseAnUnsignedForgedStaleOrMisdirectedLocalHeader() {
        PeerSignature stale = PeerSignature.of(SECRET, Clock.offset(Clock.systemUTC(), Duration.ofSeconds(-61)));
        PeerSignature otherDeployment = PeerSignature.of("another-deployment-secret-of-32-chars");
        for (Map<String, String> headers : List.of(
            Map.of(PeerSignature.LOCAL_HEADER, "1"),
            Map.of(PeerSignature.LOCAL_HEADER, "1", PeerSignature.PEER_HEADER, "1234.abcd"),
            Map.of(PeerSignature.LOCAL_HEADER, "1", PeerSignature.PEER_HEADER, otherDeployment.sign("GET", PATH, "1")),
            Map.of(PeerSignature.LOCAL_HEADER, "1", PeerSignature.PEER_HEADER, stale.sign("GET", PATH, "1")),
            Map.of(PeerSignature.LOCAL_HEADER, "standby", PeerSignature.PEER_HEADER, PEERS.sign("GET", PATH, "1")),
            Map.of(PeerSignature.LOCAL_HEADER, "1", PeerSignature.PEER_HEADER,
                    PEERS.sign("GET", "/api/v1/sessions?limit=6", "1")))) {
            AggregatedHttpResponse response = get(PATH, headers);
            assertThat(response.status().code()).as(headers.toString()).isEqualTo(403);
            assertThat(response.contentType().toString()).startsWith("application/problem+json");
            assertThat(response.contentUtf8()).contains(PeerSignature.LOCAL_HEADER, PeerSignature.PEER_HEADER);
        }
    }

    @Test
    void shouldSetTheSecurityHeadersOnTheUiTheApiAndErrors() {
        for (String path : new String[] {"/", "/ui/app.js", PATH, "/api/v1/nothing-here"}) {
            AggregatedHttpResponse response = get(path, Map.of());
            assertThat(response.headers().get("content-security-policy")).as(path)
                    .isEqualTo(SecurityHeaders.CONTENT_SECURITY_POLICY)
                    .contains("script-src 'self'", "style-src 'self'", "frame-ancestors 'none'", "object-src 'none'");
            assertThat(response.headers().get("x-content-type-options")).as(path).isEqualTo("nosniff");
            assertThat(response.headers().get("referrer-policy")).as(path).isEqualTo("no-referrer");
            assertThat(response.headers().get("x-frame-options")).as(path).isEqualTo("DENY");
        }
        AggregatedHttpResponse forbidden = get(PATH, Map.of(PeerSignature.LOCAL_HEADER, "1"));
        assertThat(forbidden.headers().get("content-security-policy")).isNotNull();
    }
}
