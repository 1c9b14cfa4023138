package io.sessionizer.aggregator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sessionizer.auth.ApiKeys;
import io.sessionizer.testing.KafkaTestCluster;
import io.sessionizer.testing.SessionsApiClient;
import io.sessionizer.testing.TestFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scoped keys on the API of a running aggregator: {@code read} for every GET under {@code /api/}, {@code annotate}
 * for writing and deleting annotations, 403 problem+json naming the missing scope otherwise; a key listing no scope
 * keeps today's meaning; a key rotated into the keys file is accepted and a revoked one refused without a restart.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ApiScopesIT {
    private static final String READ_KEY = "sz_read-key-of-acme";
    private static final String ANNOTATE_KEY = "sz_annotate-key-of-acme";
    private static final String INGEST_KEY = "sz_ingest-key-of-acme";
    private static final String ALL_KEY = "key-of-acme-with-every-scope";
    private static final String PROBLEM = "application/problem+json";
    private static final String BODY = "{\"name\": \"helpfulness\", \"label\": \"good\"}";
    private static final List<String> READS = List.of("/api/v1/sessions", "/api/v1/sessions/facets?field=tag",
            "/api/v1/stats", "/api/v1/sessions/s-1", "/api/v1/session?session_id=s-1", "/api/v1/sessions/s-1/turns",
            "/api/v1/sessions/s-1/annotations");

    private final KafkaTestCluster kafka = KafkaTestCluster.shared();

    @TempDir
    static Path dir;

    private Path keysFile;
    private AggregatorApp app;
    private OpenApiSchema openApi;

    @BeforeAll
    void start() throws IOException {
        String spansTopic = KafkaTestCluster.uniqueName("scopes-spans");
        kafka.createTopics(3, spansTopic);
        keysFile = dir.resolve("api-keys");
        Files.writeString(keysFile, keys(READ_KEY));
        app = AggregatorFixture.start(kafka, dir.resolve("state"), spansTopic, Map.of(
                "auth.api-keys", ApiKeys.hash(ALL_KEY) + "=acme",
                "auth.api-keys-file", keysFile.toString(),
                "auth.api-keys-reload-interval", "100ms"));
        openApi = new OpenApiSchema(client(null).get("/openapi.json").ok().json());
        await().atMost(Duration.ofSeconds(60)).until(() -> client(ALL_KEY).get("/api/v1/sessions").statusCode() == 200);
    }

    @AfterAll
    void stop() {
        if (app != null) {
            app.close();
        }
    }

    /** The keys file with {@code readKey} as acme's read key, beside its annotate and ingest keys. */
    private static String keys(String readKey) {
        return "# acme\n"
                + ApiKeys.hash(readKey) + "=acme read\n"
                + ApiKeys.hash(ANNOTATE_KEY) + "=acme annotate\n"
                + ApiKeys.hash(INGEST_KEY) + "=acme ingest\n";
    }

    private SessionsApiClient client(String key) {
        SessionsApiClient client = SessionsApiClient.of(app.httpPort());
        return key == null ? client : client.withApiKey(key);
    }

    private void assertForbidden(SessionsApiClient.Response response, String method, String path, String detail) {
        assertThat(response.statusCode()).as("%s %s", method, response.path()).isEqualTo(403);
        assertThat(response.header("content-type")).hasValue(PROBLEM);
        assertThat(response.json().get("status").asInt()).isEqualTo(403);
        assertThat(response.json().get("title").asText()).isEqualTo("Forbidden");
        assertThat(response.json().get("detail").asText()).isEqualTo(detail);
        openApi.check(response.json(), openApi.response(method, path, 403, PROBLEM), method + " " + path);
    }

    @Test
    void shouldLetAReadKeyReadButNotAnnotate() {
        SessionsApiClient reader = client(READ_KEY);

        for (String path : READS) {
            assertThat(reader.get(path).statusCode()).as(path).isIn(200, 404);
        }
        assertForbidden(reader.post("/api/v1/sessions/s-1/annotations", BODY), "post",
                "/api/v1/sessions/{session_id}/annotations", "This key may not annotate: it has the scopes read");
        assertForbidden(reader.post("/api/v1/session/annotations?session_id=s-1", BODY), "post",
                "/api/v1/session/annotations", "This key may not annotate: it has the scopes read");
        assertForbidden(reader.delete("/api/v1/sessions/s-1/turns/0af7651916cd43dd8448eb211c80319c/annotations/"
                        + UUID.randomUUID()), "delete",
                "/api/v1/sessions/{session_id}/turns/{trace_id}/annotations/{annotation_id}",
                "This key may not annotate: it has the scopes read");
    }

    @Test
    void shouldLetAnAnnotateKeyAnnotateButNotRead() {
        SessionsApiClient annotator = client(ANNOTATE_KEY);

        assertThat(annotator.post("/api/v1/sessions/s-2/annotations", BODY).statusCode()).isEqualTo(202);
        assertThat(annotator.post("/api/v1/session/annotations?session_id=s-2", BODY).statusCode()).isEqualTo(202);
        assertThat(annotator.delete("/api/v1/sessions/s-2/annotations/" + UUID.randomUUID()).statusCode())
                .isEqualTo(202);
        assertForbidden(annotator.get("/api/v1/sessions"), "get", "/api/v1/sessions",
                "This key may not read: it has the scopes annotate");
        assertForbidden(annotator.get("/api/v1/sessions/s-2/annotations"), "get",
                "/api/v1/sessions/{session_id}/annotations", "This key may not read: it has the scopes annotate");
    }

    @Test
    void shouldRefuseAnIngestKeyOnTheWholeApiButNotOnTheUiOrTheOpsEndpoints() {
        SessionsApiClient ingest = client(INGEST_KEY);

        for (String path : READS) {
            SessionsApiClient.Response response = ingest.get(path);
            assertThat(response.statusCode()).as(path).isEqualTo(403);
            assertThat(response.json().get("detail").asText()).isEqualTo("This key may not read: it has the scopes"
                    + " ingest");
        }
        assertForbidden(ingest.post("/api/v1/sessions/s-3/annotations", BODY), "post",
                "/api/v1/sessions/{session_id}/annotations", "This key may not annotate: it has the scopes ingest");
        for (String open : List.of("/", "/openapi.json", "/healthz", "/metrics")) {
            assertThat(ingest.get(open).statusCode()).as(open).isEqualTo(200);
        }
    }

    @Test
    void shouldLetAKeyThatListsNoScopeDoEverythingAndRefuseAnUnknownKey401() {
        SessionsApiClient all = client(ALL_KEY);

        assertThat(all.get("/api/v1/sessions").statusCode()).isEqualTo(200);
        assertThat(all.post("/api/v1/sessions/s-4/annotations", BODY).statusCode()).isEqualTo(202);
        assertThat(client("not-a-key").get("/api/v1/sessions").statusCode()).isEqualTo(401);
        assertThat(client(null).post("/api/v1/sessions/s-4/annotations", BODY).statusCode()).isEqualTo(401);
    }

    @Test
    void shouldAcceptARotatedKeyAndRefuseTheRevokedOneWithoutARestart() throws IOException {
        String rotated = ApiKeys.newKey(new SecureRandom());
        assertThat(client(rotated).get("/api/v1/sessions").statusCode()).isEqualTo(401);

        writeKeys(keys(rotated));
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            assertThat(client(rotated).get("/api/v1/sessions").statusCode()).isEqualTo(200);
            assertThat(client(READ_KEY).get("/api/v1/sessions").statusCode()).isEqualTo(401);
        });

        writeKeys(keys(READ_KEY));
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            assertThat(client(READ_KEY).get("/api/v1/sessions").statusCode()).isEqualTo(200);
            assertThat(client(rotated).get("/api/v1/sessions").statusCode()).isEqualTo(401);
        });
        assertThat(client(ALL_KEY).get("/api/v1/sessions").statusCode()).as("the setting's key").isEqualTo(200);
    }

    /** Replaces the keys file the way Kubernetes updates a mounted secret: the new content moved in at once. */
    private void writeKeys(String content) {
        TestFiles.replaceAtomically(keysFile, content);
    }
}
