package io.sessionizer.aggregator.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.sessionizer.aggregator.query.Instance;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Forwarding to another instance, on real servers: one of the same deployment, one with another secret. */
class PeersTest {
    private static final byte[] SECRET = "peers-test-secret-of-at-least-32-chars".getBytes(StandardCharsets.UTF_8);
    private static final byte[] OTHER = "another-deployment-secret-of-32-chars".getBytes(StandardCharsets.UTF_8);
    private static Server same;
    private static Server other;

    @BeforeAll
    static void start() {
        same = peer(SECRET);
        other = peer(OTHER);
    }

    private static Server peer(byte[] secret) {
        Server server = Server.builder().http(0)
                .service("/api/v1/sessions/s1", (ctx, req) -> HttpResponse.of("from peer " + PeerCheck.fromPeer(ctx)))
                .decoratorUnder("/api/", new PeerCheck(new Cursors(secret).peerSignature()))
                .build();
        server.start().join();
        return server;
    }

    @AfterAll
    static void stop() {
        same.stop().join();
        other.stop().join();
    }

    private static HttpResponse forward(Server to) {
        Peers peers = new Peers(ClientFactory.ofDefault(), "http", new Cursors(SECRET).peerSignature());
        ServiceRequestContext ctx = ServiceRequestContext.of(HttpRequest.of(HttpMethod.GET, "/api/v1/sessions/s1?x=1"));
        return peers.forward(new Instance("127.0.0.1", to.activeLocalPort()), ctx, false);
    }

    @Test
    void shouldForwardASignedRequestToAnInstanceOfTheSameDeployment() {
        assertThat(forward(same).aggregate().join().contentUtf8()).isEqualTo("from peer true");
    }

    @Test
    void shouldReportAPeerRefusingTheSignatureAsAMismatchedSecretNotAsTheCallersForbidden() {
        assertThatThrownBy(() -> forward(other))
                .isInstanceOf(Peers.PeerException.class)
                .hasMessageContaining("403")
                .hasMessageContaining("set the same api.cursor-secret on every instance");
    }
}
