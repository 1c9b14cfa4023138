package io.sessionizer.health;

import static org.assertj.core.api.Assertions.assertThat;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.server.Server;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class HealthProbeTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(3);
    private HttpServer server;

    @BeforeEach
    void startServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/readyz", exchange -> {
            byte[] body = "not ready: restoring".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(503, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.createContext("/healthz", exchange -> {
            byte[] body = "ok".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
    }

    @AfterEach
    void stopServer() {
        server.stop(0);
    }

    @Test
    void shouldBeHealthyOnA200() {
        assertThat(HealthProbe.probe(url("/healthz"), TIMEOUT)).isEqualTo(HealthProbe.HEALTHY);
    }

    @Test
    void shouldBeUnhealthyOnA503() {
        assertThat(HealthProbe.probe(url("/readyz"), TIMEOUT)).isEqualTo(HealthProbe.UNHEALTHY);
    }

    @Test
    void shouldBeUnhealthyWhenNothingListens() throws IOException {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        assertThat(HealthProbe.probe(URI.create("http://127.0.0.1:" + port + "/healthz"), TIMEOUT))
                .isEqualTo(HealthProbe.UNHEALTHY);
    }

    private URI url(String path) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
    }

    @Test
    void shouldProbeAnHttpsPortWhateverItsCertificate() {
        Server tls = Server.builder().https(0).tlsSelfSigned()
                .service("/healthz", (ctx, req) -> HttpResponse.of("ok")).build();
        tls.start().join();
        try {
            assertThat(HealthProbe.probe(URI.create("https://localhost:" + tls.activeLocalPort() + "/healthz"),
                    TIMEOUT)).isEqualTo(HealthProbe.HEALTHY);
        } finally {
            tls.stop().join();
        }
    }
}
