package io.sessionizer.launcher.local;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.ServerSocket;
import java.util.List;
import org.junit.jupiter.api.Test;

class PortsTest {
    @Test
    void shouldNameTheComponentAndTheFlagWhenAPortIsTaken() throws Exception {
        try (ServerSocket taken = new ServerSocket(0)) {
            int port = taken.getLocalPort();

            assertThatThrownBy(() -> Ports.requireFree(List.of(new Ports.Use("the API and UI", port, "--api-port"))))
                    .isInstanceOf(LocalStackException.class)
                    .hasMessageContaining("Port " + port)
                    .hasMessageContaining("the API and UI")
                    .hasMessageContaining("--api-port");
        }
    }

    @Test
    void shouldRefuseOnePortGivenToTwoComponents() throws Exception {
        int port = freePort();

        assertThatThrownBy(() -> Ports.requireFree(List.of(
                new Ports.Use("OTLP/HTTP", port, "--otlp-http-port"),
                new Ports.Use("the API and UI", port, "--api-port"))))
                .isInstanceOf(LocalStackException.class)
                .hasMessageContaining("both OTLP/HTTP and the API and UI");
    }

    @Test
    void shouldAcceptFreePortsAndPortZero() throws Exception {
        int port = freePort();

        assertThatCode(() -> Ports.requireFree(List.of(
                new Ports.Use("OTLP/HTTP", port, "--otlp-http-port"),
                new Ports.Use("OTLP/gRPC", 0, "--otlp-grpc-port"),
                new Ports.Use("the API and UI", 0, "--api-port"))))
                .doesNotThrowAnyException();
    }

    private static int freePort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
