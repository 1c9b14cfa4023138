package io.sessionizer.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServerBuilder;
import io.sessionizer.config.Config;
import io.sessionizer.config.ConfigException;
import io.sessionizer.testing.TlsTestFiles;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServerTlsTest {
    @TempDir
    static Path dir;
    private static TlsTestFiles pki;
    private static TlsTestFiles.Issued client;

    @BeforeAll
    static void certificates() {
        pki = TlsTestFiles.create(dir, "test");
        client = pki.client("client");
    }

    private static Config config(Map<String, String> settings) {
        return Config.load(TlsSettings.settings(), Map.of(), settings);
    }

    @Test
    void shouldListenInPlainTextWithoutACertificate() {
        try (ServerTls tls = ServerTls.fromConfig(config(Map.of()))) {
            assertThat(tls.enabled()).isFalse();
            assertThat(tls.scheme()).isEqualTo("http");
        }
    }

    @Test
    void shouldRefuseACertificateWithoutItsKeyAndTheReverse() {
        TlsTestFiles.Issued server = pki.server("lonely");
        assertThatThrownBy(() -> ServerTls.fromConfig(config(Map.of("tls.cert-file", server.certFile().toString()))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("tls.key-file is required");
        assertThatThrownBy(() -> ServerTls.fromConfig(config(Map.of("tls.key-file", server.keyFile().toString()))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("tls.cert-file is required");
    }

    @Test
    void shouldRefuseClientAuthenticationWithoutTheCaOrWithoutTls() {
        TlsTestFiles.Issued server = pki.server("auth");
        assertThatThrownBy(() -> ServerTls.fromConfig(config(Map.of("tls.cert-file", server.certFile().toString(),
                "tls.key-file", server.keyFile().toString(), "tls.client-auth", "require"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("tls.client-ca-file");
        assertThatThrownBy(() -> ServerTls.fromConfig(config(Map.of("tls.client-ca-file", pki.caFile().toString()))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("needs TLS");
        assertThatThrownBy(() -> config(Map.of("tls.client-auth", "sometimes")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("none, optional, require");
    }

    @Test
    void shouldRefuseAKeyThatIsNotTheCertificatesAndNameTheFilesNotTheKey() throws IOException {
        TlsTestFiles.Issued one = pki.server("one");
        TlsTestFiles.Issued other = pki.server("other");
        String key = Files.readString(other.keyFile());
        assertThatThrownBy(() -> ServerTls.fromConfig(config(Map.of("tls.cert-file", one.certFile().toString(),
                "tls.key-file", other.keyFile().toString()))))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("not the key of the certificate")
                .hasMessageContaining(one.certFile().toString())
                .message().doesNotContain(key.lines().skip(1).findFirst().orElseThrow());
        Path garbage = dir.resolve("garbage.key");
        Files.writeString(garbage, "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n");
        assertThatThrownBy(() -> ServerTls.fromConfig(config(Map.of("tls.cert-file", one.certFile().toString(),
                "tls.key-file", garbage.toString()))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("not an unencrypted PEM private key");
    }

    @Test
    void shouldRefuseATooShortReloadInterval() {
        TlsTestFiles.Issued server = pki.server("interval");
        assertThatThrownBy(() -> ServerTls.fromConfig(config(Map.of("tls.cert-file", server.certFile().toString(),
                "tls.key-file", server.keyFile().toString(), "tls.reload-interval", "10ms"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("tls.reload-interval");
    }

    @Test
    void shouldServeANewPairWrittenToTheFilesWithoutARestartAndKeepTheOldOneForABadPair() throws Exception {
        TlsTestFiles.Issued served = pki.server("served");
        X509Certificate first = served.certificate();
        Map<String, String> settings = Map.of("tls.cert-file", served.certFile().toString(),
                "tls.key-file", served.keyFile().toString(), "tls.reload-interval", "200ms");
        try (ServerTls tls = ServerTls.fromConfig(config(settings)); Running server = start(tls)) {
            assertThat(served(server.port(), null).getSerialNumber()).isEqualTo(first.getSerialNumber());

            TlsTestFiles.Issued renewed = pki.server("renewed");
            TlsTestFiles.replace(served, renewed);
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(served(server.port(), null)
                    .getSerialNumber()).isEqualTo(renewed.certificate().getSerialNumber()));

            // A certificate whose key is another's: the renewed pair stays in service.
            Files.copy(pki.server("mismatched").certFile(), served.certFile(),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            tls.reload();
            assertThat(served(server.port(), null).getSerialNumber())
                    .isEqualTo(renewed.certificate().getSerialNumber());
            assertThat(tls.certificate().getSerialNumber()).isEqualTo(renewed.certificate().getSerialNumber());
        }
    }

    @Test
    void shouldRefuseAClientWithoutACertificateWhenRequired() throws Exception {
        TlsTestFiles.Issued served = pki.server("mtls");
        Map<String, String> settings = new HashMap<>(Map.of("tls.cert-file", served.certFile().toString(),
                "tls.key-file", served.keyFile().toString(), "tls.client-ca-file", pki.caFile().toString(),
                "tls.client-auth", "require"));
        try (ServerTls tls = ServerTls.fromConfig(config(settings)); Running server = start(tls)) {
            assertThat(get(server.port(), client)).startsWith("HTTP/1.1 200");
            assertThatThrownBy(() -> get(server.port(), null)).isInstanceOf(IOException.class);
            // A certificate of another authority is refused too.
            TlsTestFiles.Issued stranger = TlsTestFiles.create(Files.createDirectories(dir.resolve("stranger")),
                    "stranger").client("stranger");
            assertThatThrownBy(() -> get(server.port(), stranger)).isInstanceOf(IOException.class);
        }
    }

    @Test
    void shouldAcceptClientsWithAndWithoutACertificateWhenOptional() throws Exception {
        TlsTestFiles.Issued served = pki.server("optional");
        try (ServerTls tls = ServerTls.fromConfig(config(Map.of("tls.cert-file", served.certFile().toString(),
                "tls.key-file", served.keyFile().toString(), "tls.client-ca-file", pki.caFile().toString(),
                "tls.client-auth", "optional"))); Running server = start(tls)) {
            assertThat(get(server.port(), client)).startsWith("HTTP/1.1 200");
            assertThat(get(server.port(), null)).startsWith("HTTP/1.1 200");
        }
    }

    @Test
    void shouldAskPeersOverHttpsTrustingThePeerCaAndPresentTheOwnCertificateWhenRequired() {
        TlsTestFiles.Issued served = pki.server("peer");
        try (ServerTls tls = ServerTls.fromConfig(config(Map.of("tls.cert-file", served.certFile().toString(),
                "tls.key-file", served.keyFile().toString()))); Running server = start(tls)) {
            ClientFactory peers = tls.peerClientFactory(pki.caFile().toString());
            assertThat(WebClient.builder("https://localhost:" + server.port()).factory(peers).build()
                    .get("/").aggregate().join().contentUtf8()).isEqualTo("ok");
        }
        try (ServerTls tls = ServerTls.fromConfig(config(Map.of("tls.cert-file", served.certFile().toString(),
                "tls.key-file", served.keyFile().toString(), "tls.client-ca-file", pki.caFile().toString(),
                "tls.client-auth", "require"))); Running server = start(tls)) {
            // No peer CA: the client CA is trusted; the instance's own certificate is presented.
            ClientFactory peers = tls.peerClientFactory("");
            assertThat(WebClient.builder("https://localhost:" + server.port()).factory(peers).build()
                    .get("/").aggregate().join().contentUtf8()).isEqualTo("ok");
        }
    }

    @Test
    void shouldLetAJdkClientTrustAPemBundle() throws Exception {
        TlsTestFiles.Issued served = pki.server("jdk");
        try (ServerTls tls = ServerTls.fromConfig(config(Map.of("tls.cert-file", served.certFile().toString(),
                "tls.key-file", served.keyFile().toString()))); Running server = start(tls)) {
            HttpClient client = HttpClient.newBuilder()
                    .sslContext(PemTrust.sslContext(pki.caFile(), "evaluator.api-ca-file")).build();
            // java.net.http's response: the Armeria HttpResponse above is the server's.
            java.net.http.HttpResponse<String> response = client.send(HttpRequest.newBuilder(
                    URI.create("https://localhost:" + server.port() + "/")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(response.body()).isEqualTo("ok");
            assertThatThrownBy(() -> PemTrust.sslContext(dir.resolve("missing.pem"), "evaluator.api-ca-file"))
                    .isInstanceOf(ConfigException.class).hasMessageContaining("evaluator.api-ca-file");
        }
    }

    @Test
    void shouldRefuseAPeerCaWithoutTls() {
        try (ServerTls tls = ServerTls.fromConfig(config(Map.of()))) {
            assertThatThrownBy(() -> tls.peerClientFactory(pki.caFile().toString()))
                    .isInstanceOf(ConfigException.class).hasMessageContaining("tls.peer-ca-file needs TLS");
        }
    }

    private record Running(Server server) implements AutoCloseable {
        int port() {
            return server.activeLocalPort();
        }

        @Override
        public void close() {
            server.stop().join();
        }
    }

    private static Running start(ServerTls tls) {
        ServerBuilder builder = Server.builder();
        tls.listen(builder, 0).service("/", (ctx, req) -> HttpResponse.of("ok"));
        Server server = builder.build();
        server.start().join();
        return new Running(server);
    }

    /** The certificate the server presents to a client that trusts the test CA. */
    private static X509Certificate served(int port, TlsTestFiles.Issued clientCertificate) throws Exception {
        try (SSLSocket socket = connect(port, clientCertificate)) {
            socket.startHandshake();
            return (X509Certificate) socket.getSession().getPeerCertificates()[0];
        }
    }

    private static String get(int port, TlsTestFiles.Issued clientCertificate) throws Exception {
        try (SSLSocket socket = connect(port, clientCertificate)) {
            socket.getOutputStream().write("GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            InputStream in = socket.getInputStream();
            String response = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
            if (response.isEmpty()) {
                throw new IOException("closed without an answer");
            }
            return response;
        }
    }

    private static SSLSocket connect(int port, TlsTestFiles.Issued clientCertificate) throws Exception {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(clientCertificate == null ? null : keyManagers(clientCertificate).getKeyManagers(),
                new TrustManager[] {pki.trustManager()}, null);
        SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("localhost", port);
        socket.setSoTimeout(10_000);
        return socket;
    }

    private static KeyManagerFactory keyManagers(TlsTestFiles.Issued issued) throws Exception {
        List<X509Certificate> chain = Pem.certificates(Files.readAllBytes(issued.certFile()));
        PrivateKey key = Pem.keyPair(Files.readAllBytes(issued.certFile()), Files.readAllBytes(issued.keyFile()))
                .privateKey();
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry("client", key, new char[0], chain.toArray(new Certificate[0]));
        KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        factory.init(store, new char[0]);
        return factory;
    }
}
