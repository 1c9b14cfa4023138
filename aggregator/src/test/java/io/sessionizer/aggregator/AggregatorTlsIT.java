package io.sessionizer.aggregator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.UnprocessedRequestException;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.RequestHeadersBuilder;
import com.linecorp.armeria.common.TlsKeyPair;
import com.linecorp.armeria.common.TlsProvider;
import io.sessionizer.auth.PeerSignature;
import io.sessionizer.testing.KafkaTestCluster;
import io.sessionizer.testing.TlsTestFiles;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two instances serving https only with client certificates required: a list gathers the other instance's part, and
 * a session the other keeps is forwarded to it, both over https with this instance's own certificate.
 */
class AggregatorTlsIT {
    private static final int SESSIONS = 12;
    private static final String SECRET = "aggregator-tls-it-secret-of-32-characters";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final KafkaTestCluster kafka = KafkaTestCluster.shared();
    private final List<AggregatorApp> apps = new ArrayList<>();
    private final List<ClientFactory> factories = new ArrayList<>();

    @TempDir
    Path dir;

    @AfterEach
    void tearDown() {
        apps.forEach(AggregatorApp::close);
        factories.forEach(ClientFactory::close);
    }

    @Test
    void shouldGatherAndForwardBetweenInstancesOverHttpsWithClientCertificates() throws Exception {
        TlsTestFiles pki = TlsTestFiles.create(dir, "aggregator-it");
        TlsTestFiles.Issued server = pki.server("aggregator");
        TlsTestFiles.Issued user = pki.client("user");
        String spansTopic = KafkaTestCluster.uniqueName("tls-spans");
        kafka.createTopics(6, spansTopic);
        Map<String, String> settings = AggregatorFixture.settings(kafka, dir, spansTopic, Map.of(
                "api.cursor-secret", SECRET,
                "tls.cert-file", server.certFile().toString(),
                "tls.key-file", server.keyFile().toString(),
                "tls.client-ca-file", pki.caFile().toString(),
                "tls.client-auth", "require"));
        for (int i = 0; i < 2; i++) {
            Map<String, String> instance = new HashMap<>(settings);
            instance.put("state.dir", dir.resolve("instance-" + i).toString());
            apps.add(AggregatorFixture.start(instance));
        }
        SessionCorpus corpus = SessionCorpus.of(SESSIONS, 7);
        corpus.produce(kafka, spansTopic);
        ClientFactory mtls = factory(TlsProvider.builder()
                .keyPair(TlsKeyPair.of(user.keyFile().toFile(), user.certFile().toFile()))
                .trustedCertificates(pki.ca()).build());
        PeerSignature peers = PeerSignature.of(SECRET);

        await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                .untilAsserted(() -> {
            int owned = 0;
            for (AggregatorApp app : apps) {
                String base = "https://localhost:" + app.httpPort();
                assertThat(json(mtls, base, "/api/v1/sessions?limit=500", Map.of()).get("sessions"))
                        .hasSize(SESSIONS);
                String local = "/api/v1/sessions?limit=500";
                int mine = json(mtls, base, local, Map.of(PeerSignature.LOCAL_HEADER, "1",
                        PeerSignature.PEER_HEADER, peers.sign("GET", local, "1"))).get("sessions").size();
                assertThat(mine).as("each instance owns some sessions").isPositive();
                owned += mine;
                for (SessionCorpus.Sent session : corpus.sessions()) {
                    assertThat(json(mtls, base, "/api/v1/sessions/" + session.id(), Map.of()).get("session_id")
                            .asText()).isEqualTo(session.id());
                }
            }
            assertThat(owned).isEqualTo(SESSIONS);
        });

        // Without a client certificate the connection is refused at the handshake: no answer at all, not even a 401.
        ClientFactory anonymous = ClientFactory.builder().tlsCustomizer(ssl -> ssl.trustManager(pki.ca())).build();
        factories.add(anonymous);
        // Armeria reports it as a request never sent (its session closed) whose root cause is the server's TLS alert.
        assertThatThrownBy(() -> json(anonymous, "https://localhost:" + apps.get(0).httpPort(), "/api/v1/stats",
                Map.of()))
                .hasCauseInstanceOf(UnprocessedRequestException.class)
                .hasRootCauseInstanceOf(SSLException.class)
                .satisfies(e -> assertThat(rootCause(e).getMessage()).containsIgnoringCase("certificate_required"));
    }

    private static Throwable rootCause(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    private ClientFactory factory(TlsProvider tls) {
        ClientFactory factory = ClientFactory.builder().tlsProvider(tls).build();
        factories.add(factory);
        return factory;
    }

    private static JsonNode json(ClientFactory factory, String base, String path, Map<String, String> headers)
            throws Exception {
        RequestHeadersBuilder request = RequestHeaders.builder(HttpMethod.GET, path);
        headers.forEach(request::add);
        WebClient client = WebClient.builder(base).factory(factory).responseTimeout(Duration.ofSeconds(20)).build();
        AggregatedHttpResponse response = client.execute(request.build()).aggregate().join();
        assertThat(response.status().code()).as("%s%s: %s", base, path, response.contentUtf8()).isEqualTo(200);
        return JSON.readTree(response.contentUtf8());
    }
}
