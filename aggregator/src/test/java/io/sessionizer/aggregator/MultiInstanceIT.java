package io.sessionizer.aggregator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.sessionizer.auth.PeerSignature;
import io.sessionizer.testing.KafkaTestCluster;
import io.sessionizer.testing.SessionsApiClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three aggregator instances of one application, with a standby copy of every store, against a real broker: every
 * instance answers for every session, and every list (each filter, each sort in both orders, cursors walked to the
 * end from instance to instance), facet and stats query gathers all three into the brute-force answer
 * ({@link SessionCorpus}). Then one instance is killed: until the group notices, the others answer for its sessions
 * from their standby copies (flagged), and once they took over its partitions, and rebuilt their session index from
 * the stores, they answer every query the same again.
 */
class MultiInstanceIT {
    private static final int SESSIONS = 30;
    /** Sessions a page of the walked lists: small, so that every list takes many pages and cursors. */
    private static final int PAGE = 2;
    private static final String REPLICA_HEADER = "x-sessionizer-replica";
    private static final String LOCAL_ONLY_HEADER = PeerSignature.LOCAL_HEADER;
    private static final String CURSOR_SECRET = "multi-instance-it-secret-of-32-characters";
    /** The local header counts only when signed as the instances sign it. */
    private static final PeerSignature PEERS = PeerSignature.of(CURSOR_SECRET);
    /** How long the killed instance stays in the group: the window in which standbys answer for it. */
    private static final String VICTIM_SESSION_TIMEOUT_MS = "20000";

    private final KafkaTestCluster kafka = KafkaTestCluster.shared();
    private final SessionCorpus corpus = SessionCorpus.of(SESSIONS, 13);
    private final List<AggregatorApp> apps = new ArrayList<>();
    private AggregatorProcess victim;

    @TempDir
    Path stateDir;

    @AfterEach
    void tearDown() throws Exception {
        apps.forEach(AggregatorApp::close);
        if (victim != null) {
            victim.close();
        }
    }

    @Test
    void shouldAnswerEveryQueryFromEveryInstanceAndTheSameAfterOneIsKilled() throws Exception {
        String spansTopic = KafkaTestCluster.uniqueName("multi-spans");
        kafka.createTopics(6, spansTopic);
        Map<String, String> settings = AggregatorFixture.settings(kafka, stateDir, spansTopic, Map.of(
                "standby.replicas", "1",
                // Every instance signs and checks cursors with the same secret: lists gather the others' cursors.
                "api.cursor-secret", CURSOR_SECRET));
        for (int i = 0; i < 2; i++) {
            Map<String, String> instance = new HashMap<>(settings);
            instance.put("state.dir", stateDir.resolve("instance-" + i).toString());
            apps.add(AggregatorFixture.start(instance));
        }
        Map<String, String> third = new HashMap<>(settings);
        third.putAll(Map.of("state.dir", stateDir.resolve("instance-2").toString(),
                "kafka.session.timeout.ms", VICTIM_SESSION_TIMEOUT_MS));
        victim = AggregatorProcess.start(third, stateDir.resolve("instance-2.log"));
        corpus.produce(kafka, spansTopic);
        List<Integer> ports = List.of(apps.get(0).httpPort(), apps.get(1).httpPort(), victim.port());
        awaitEverySession(ports);

        Set<String> victimSessions = new HashSet<>();
        long owned = 0;
        for (int port : ports) {
            String path = "/api/v1/sessions?limit=500";
            assertThat(api(port).withHeader(LOCAL_ONLY_HEADER, "1").get(path).statusCode())
                    .as("an unsigned local header").isEqualTo(403);
            JsonNode local = api(port).withHeader(LOCAL_ONLY_HEADER, "1")
                    .withHeader(PeerSignature.PEER_HEADER, PEERS.sign("GET", path, "1")).json(path);
            local.get("sessions").forEach(s -> {
                if (port == victim.port()) {
                    victimSessions.add(s.get("session_id").asText());
                }
            });
            owned += local.get("sessions").size();
            assertThat(local.get("sessions").size()).as("each instance owns some sessions").isPositive();
        }
        assertThat(owned).isEqualTo(SESSIONS);
        for (int port : ports) {
            corpus.assertSummaries(port);
            assertTranscripts(port);
        }
        corpus.assertEveryQuery(ports, PAGE);

        // Killed: until its session timeout the group still names it the owner of its partitions, and the others
        // answer for its sessions from their standby copies, flagged.
        victim.kill();
        for (AggregatorApp app : apps) {
            for (String sessionId : victimSessions) {
                SessionsApiClient.Response response = api(app.httpPort()).get("/api/v1/sessions/" + sessionId);
                assertThat(response.statusCode()).as("%s during the fail-over", sessionId).isEqualTo(200);
                assertThat(response.headers().firstValue(REPLICA_HEADER)).contains("standby");
                corpus.assertSummary(sessionId, response.json(), "from a standby of port " + app.httpPort());
            }
        }
        // Once the group noticed, the survivors own every partition and answer for every session from active stores,
        // and every list, facet and stats query from their indexes, those of the partitions taken over rebuilt.
        List<Integer> survivors = List.of(apps.get(0).httpPort(), apps.get(1).httpPort());
        await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                .untilAsserted(() -> {
            for (int port : survivors) {
                for (SessionCorpus.Sent session : corpus.sessions()) {
                    SessionsApiClient.Response response = api(port).get("/api/v1/sessions/" + session.id());
                    assertNeverA500(response);
                    assertThat(response.statusCode()).isEqualTo(200);
                    assertThat(response.headers().firstValue(REPLICA_HEADER)).isEmpty();
                }
            }
        });
        awaitEverySession(survivors);
        for (int port : survivors) {
            corpus.assertSummaries(port);
            assertTranscripts(port);
        }
        corpus.assertEveryQuery(survivors, PAGE);
    }

    /**
     * Waits until lists, facets and stats answer 200 (not 503: state restoring, a task's index rebuilding, or an
     * instance gone) at every port, with every session and every span counted.
     */
    private void awaitEverySession(List<Integer> ports) {
        await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                .untilAsserted(() -> {
            for (int port : ports) {
                for (String path : List.of("/api/v1/sessions?limit=500", "/api/v1/stats",
                        "/api/v1/sessions/facets?field=project")) {
                    SessionsApiClient.Response response = api(port).get(path);
                    assertNeverA500(response);
                    assertThat(response.statusCode()).as("%s at port %d", path, port).isEqualTo(200);
                }
                assertThat(api(port).json("/api/v1/sessions?limit=500").get("sessions")).hasSize(SESSIONS);
                JsonNode totals = api(port).stats(Map.of());
                assertThat(totals.get("traces").asLong()).isEqualTo(corpus.traces());
                assertThat(totals.get("spans").asLong()).isEqualTo(corpus.spans());
            }
        });
    }

    private static void assertNeverA500(SessionsApiClient.Response response) {
        assertThat(response.statusCode()).as("%s: never a 500", response.path()).isIn(200, 503);
        if (response.statusCode() == 503) {
            assertThat(response.headers().firstValue("retry-after")).isPresent();
        }
    }

    /**
     * Each session's transcript through {@code port}, by path and by the query forms, which are forwarded like the
     * path forms; a turn cursor signed by the owner continues there.
     */
    private void assertTranscripts(int port) {
        for (SessionCorpus.Sent session : corpus.sessions()) {
            JsonNode turns = api(port).json("/api/v1/sessions/" + session.id() + "/turns").get("turns");
            assertThat(turns).as("%s at port %d", session.id(), port).hasSize(session.turns().size());
            assertThat(turns.get(0).at("/input/value").asText()).isEqualTo(session.turns().get(0).input());
            assertThat(api(port).json("/api/v1/session?session_id_base64=" + Base64.getUrlEncoder().withoutPadding()
                    .encodeToString(session.id().getBytes(StandardCharsets.UTF_8))).get("trace_count").asLong())
                    .isEqualTo(session.turns().size());
            if (session.turns().size() > 1) {
                JsonNode first = api(port).turns(session.id(), Map.of("limit", "1"));
                JsonNode second = api(port).turns(session.id(), Map.of("limit", "1", "cursor",
                        first.get("next_cursor").asText()));
                assertThat(second.at("/turns/0/trace_id").asText()).isEqualTo(turns.get(1).get("trace_id").asText());
            }
        }
    }

    private static SessionsApiClient api(int port) {
        return SessionsApiClient.of(port);
    }
}
