package io.sessionizer.schemas.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.sessionizer.schemas.SessionEvent;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.avro.Schema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The client's HTTP behaviour against a scripted stub: retries, timeouts, error mapping. Its behaviour against the
 * real local registry is tested in the deploy module ({@code RestSchemaRegistryClientIT}).
 */
class RestSchemaRegistryClientTest {
    private static final RestSchemaRegistryClient.Options FAST = new RestSchemaRegistryClient.Options(
            Duration.ofSeconds(2), Duration.ofSeconds(5), 3, Duration.ofMillis(1), Duration.ofMillis(5));
    private static final Schema SCHEMA = SessionEvent.getClassSchema();

    private record Request(String method, String rawPath, String authorization, String contentType, String accept,
            String body) {
    }

    private record Answer(int status, String body) {
    }

    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final Queue<Answer> script = new ArrayDeque<>();
    private final CountDownLatch release = new CountDownLatch(1);
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private HttpServer stub;
    private volatile boolean hang;

    @BeforeEach
    void startStub() throws IOException {
        stub = HttpServer.create(new InetSocketAddress("localhost", 0), 0);
        stub.setExecutor(executor);
        stub.createContext("/", this::handle);
        stub.start();
    }

    @AfterEach
    void stopStub() {
        release.countDown();
        stub.stop(0);
        executor.shutdownNow();
    }

    private void handle(HttpExchange exchange) throws IOException {
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        requests.add(new Request(exchange.getRequestMethod(), exchange.getRequestURI().getRawPath(),
                exchange.getRequestHeaders().getFirst("Authorization"),
                exchange.getRequestHeaders().getFirst("Content-Type"),
                exchange.getRequestHeaders().getFirst("Accept"), body));
        if (hang) {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        Answer answer;
        synchronized (script) {
            answer = script.isEmpty() ? new Answer(200, "{\"id\": 1}") : script.poll();
        }
        byte[] bytes = answer.body().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/vnd.schemaregistry.v1+json");
        exchange.sendResponseHeaders(answer.status(), bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

    private void answer(int status, String body) {
        synchronized (script) {
            script.add(new Answer(status, body));
        }
    }

    private String url() {
        return "http://localhost:" + stub.getAddress().getPort();
    }

    private RestSchemaRegistryClient client(RegistryAuth auth) {
        return RestSchemaRegistryClient.create(url(), auth, FAST);
    }

    @Test
    void shouldPostTheSchemaWithTheApiMediaTypesAndCredentials() {
        answer(200, "{\"id\": 12}");

        int id = client(RegistryAuth.bearer("t0ken")).register("my topic-value", SCHEMA);

        assertThat(id).isEqualTo(12);
        Request request = requests.get(0);
        assertThat(request.method()).isEqualTo("POST");
        assertThat(request.rawPath()).isEqualTo("/subjects/my%20topic-value/versions");
        assertThat(request.authorization()).isEqualTo("Bearer t0ken");
        assertThat(request.contentType()).isEqualTo("application/vnd.schemaregistry.v1+json");
        assertThat(request.accept()).startsWith("application/vnd.schemaregistry.v1+json");
        assertThat(request.body()).isEqualTo("{\"schema\":" + quoted(SCHEMA.toString()) + "}");
    }

    @Test
    void shouldAskTheRegistryOncePerSubjectAndSchemaAndOncePerId() {
        RestSchemaRegistryClient client = client(RegistryAuth.none());
        answer(200, "{\"id\": 3}");
        answer(200, "{\"schema\": " + quoted("\"string\"") + "}");

        client.register("a-value", SCHEMA);
        client.register("a-value", SCHEMA);
        client.schemaById(3);
        Schema first = client.schemaById(4);
        Schema second = client.schemaById(4);

        assertThat(first).isSameAs(second).isEqualTo(Schema.create(Schema.Type.STRING));
        assertThat(requests).extracting(Request::rawPath).containsExactly("/subjects/a-value/versions",
                "/schemas/ids/4");
        assertThat(requests.get(1).authorization()).isNull();
    }

    @Test
    void shouldRetryServerErrorsAndThenSucceed() {
        answer(503, "{\"error_code\": 50003, \"message\": \"Error while forwarding the request to the primary\"}");
        answer(500, "{\"error_code\": 50001, \"message\": \"Error in the backend data store\"}");
        answer(200, "{\"id\": 5}");

        assertThat(client(RegistryAuth.none()).register("a-value", SCHEMA)).isEqualTo(5);
        assertThat(requests).hasSize(3);
    }

    @Test
    void shouldGiveUpAfterTheLastAttemptWithTheStatusAndErrorCode() {
        for (int i = 0; i < 3; i++) {
            answer(500, "{\"error_code\": 50001, \"message\": \"Error in the backend data store\"}");
        }

        assertThatThrownBy(() -> client(RegistryAuth.none()).register("a-value", SCHEMA))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> {
                    assertThat(e.httpStatus()).isEqualTo(500);
                    assertThat(e.errorCode()).isEqualTo(50001);
                    assertThat(e.isRetryable()).isTrue();
                })
                .hasMessageContaining("Error in the backend data store")
                .hasMessageContaining("gave up after 3 attempts");
        assertThat(requests).hasSize(3);
    }

    @Test
    void shouldNotRetryARefusal() {
        answer(422, "{\"error_code\": 42201, \"message\": \"Invalid schema\"}");

        assertThatThrownBy(() -> client(RegistryAuth.none()).register("a-value", SCHEMA))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> {
                    assertThat(e.httpStatus()).isEqualTo(422);
                    assertThat(e.errorCode()).isEqualTo(42201);
                    assertThat(e.isRetryable()).isFalse();
                })
                .hasMessageContaining("POST " + url() + "/subjects/a-value/versions")
                .hasMessageContaining("Invalid schema");
        assertThat(requests).hasSize(1);
    }

    @Test
    void shouldUseTheStatusAsErrorCodeWhenTheBodyIsNotTheApisError() {
        answer(401, "<html>Unauthorized</html>");

        assertThatThrownBy(() -> client(RegistryAuth.none()).schemaById(1))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> {
                    assertThat(e.httpStatus()).isEqualTo(401);
                    assertThat(e.errorCode()).isEqualTo(401);
                })
                .hasMessageContaining("<html>Unauthorized</html>");
    }

    @Test
    void shouldRefuseASchemaOfAnotherType() {
        answer(200, "{\"schemaType\": \"PROTOBUF\", \"schema\": \"syntax = \\\"proto3\\\";\"}");

        assertThatThrownBy(() -> client(RegistryAuth.none()).schemaById(9))
                .isInstanceOf(SchemaRegistryException.class)
                .hasMessageContaining("PROTOBUF");
    }

    @Test
    void shouldTimeOutARegistryThatDoesNotAnswer() {
        hang = true;
        RestSchemaRegistryClient client = RestSchemaRegistryClient.create(url(), RegistryAuth.none(),
                new RestSchemaRegistryClient.Options(Duration.ofSeconds(2), Duration.ofMillis(300), 1,
                        Duration.ofMillis(1), Duration.ofMillis(1)));

        assertThatThrownBy(() -> client.register("a-value", SCHEMA))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> {
                    assertThat(e.httpStatus()).isEqualTo(SchemaRegistryException.NO_ANSWER);
                    assertThat(e.isRetryable()).isTrue();
                })
                .hasRootCauseInstanceOf(HttpTimeoutException.class);
    }

    @Test
    void shouldMoveToTheNextUrlWhenOneRefusesConnections() throws IOException {
        int closedPort = closedPort();
        RestSchemaRegistryClient client = RestSchemaRegistryClient.create(
                "http://localhost:" + closedPort + ", " + url() + "/", RegistryAuth.none(), FAST);

        assertThat(client.register("a-value", SCHEMA)).isEqualTo(1);
        assertThat(requests).extracting(Request::rawPath).containsExactly("/subjects/a-value/versions");
    }

    @Test
    void shouldReportNoAnswerWhenNothingListens() throws IOException {
        RestSchemaRegistryClient client = RestSchemaRegistryClient.create("http://localhost:" + closedPort(),
                RegistryAuth.none(), FAST);

        assertThatThrownBy(() -> client.schemaById(1))
                .isInstanceOfSatisfying(SchemaRegistryException.class,
                        e -> assertThat(e.httpStatus()).isEqualTo(SchemaRegistryException.NO_ANSWER))
                .hasMessageContaining("No answer from the Schema Registry")
                .hasMessageContaining("gave up after 3 attempts");
    }

    private static int closedPort() throws IOException {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return probe.getLocalPort();
        }
    }

    private static String quoted(String text) {
        return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
