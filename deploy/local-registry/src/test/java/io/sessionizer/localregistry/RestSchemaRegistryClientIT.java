package io.sessionizer.localregistry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.HttpService;
import io.sessionizer.schemas.Turn;
import io.sessionizer.schemas.Turns;
import io.sessionizer.schemas.registry.RegistryAuth;
import io.sessionizer.schemas.registry.RestSchemaRegistryClient;
import io.sessionizer.schemas.registry.SchemaRegistryException;
import io.sessionizer.schemas.serde.ConfluentAvroSerde;
import io.sessionizer.testing.KafkaTestCluster;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.avro.Schema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The schemas module's REST client and Confluent serde against the real local registry. A decorator in front of the
 * registry records each request and can demand credentials or fail, as a hosted registry would.
 */
class RestSchemaRegistryClientIT {
    private static final RestSchemaRegistryClient.Options FAST = new RestSchemaRegistryClient.Options(
            Duration.ofSeconds(5), Duration.ofSeconds(30), 3, Duration.ofMillis(1), Duration.ofMillis(10));
    private static final String EXPECTED_AUTH = RegistryAuth.basic("key", "secret").authorizationHeader().get();
    private static final Schema USER = new Schema.Parser().parse("{\"type\":\"record\",\"name\":\"User\","
            + "\"fields\":[{\"name\":\"name\",\"type\":\"string\"}]}");

    private record Seen(String method, String path, String authorization) {
    }

    private final KafkaTestCluster kafka = KafkaTestCluster.shared();
    private final List<Seen> requests = new CopyOnWriteArrayList<>();
    private final AtomicInteger failuresLeft = new AtomicInteger();
    private volatile boolean requireAuth;
    private LocalSchemaRegistry registry;

    @BeforeEach
    void start() {
        registry = LocalSchemaRegistry.start(kafka.bootstrapServers(), 0, KafkaTestCluster.uniqueName("_schemas"),
                delegate -> (HttpService) (ctx, req) -> {
                    String authorization = req.headers().get(HttpHeaderNames.AUTHORIZATION);
                    requests.add(new Seen(req.method().name(), req.path(), authorization));
                    if (failuresLeft.getAndDecrement() > 0) {
                        return error(HttpStatus.SERVICE_UNAVAILABLE, 50003, "Error while forwarding the request");
                    }
                    if (requireAuth && !EXPECTED_AUTH.equals(authorization)) {
                        return error(HttpStatus.UNAUTHORIZED, 40101, "Unauthorized");
                    }
                    return delegate.serve(ctx, req);
                });
    }

    @AfterEach
    void stop() {
        registry.close();
    }

    private static HttpResponse error(HttpStatus status, int code, String message) {
        return HttpResponse.of(status, MediaType.parse(RegistryHttp.V1), RegistryErrors.body(code, message));
    }

    private RestSchemaRegistryClient client(RegistryAuth auth) {
        return RestSchemaRegistryClient.create("http://localhost:" + registry.port(), auth, FAST);
    }

    @Test
    void shouldSendTheConfiguredCredentials() {
        requireAuth = true;

        int id = client(RegistryAuth.parse("basic:key:secret")).register("users-value", USER);

        assertThat(id).isEqualTo(1);
        assertThat(requests).containsExactly(new Seen("POST", "/subjects/users-value/versions", EXPECTED_AUTH));
    }

    @Test
    void shouldReportRefusedCredentialsWithTheirStatusAndErrorCode() {
        requireAuth = true;

        assertThatThrownBy(() -> client(RegistryAuth.parse("basic:key:wrong")).register("users-value", USER))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> {
                    assertThat(e.httpStatus()).isEqualTo(401);
                    assertThat(e.errorCode()).isEqualTo(40101);
                    assertThat(e.isRetryable()).isFalse();
                });
        assertThat(requests).hasSize(1);
    }

    @Test
    void shouldCallTheRegistryOnceForRepeatedRegistrationsAndItsOwnIds() {
        RestSchemaRegistryClient client = client(RegistryAuth.none());

        int id = client.register("users-value", USER);
        assertThat(client.register("users-value", USER)).isEqualTo(id);
        assertThat(client.schemaById(id)).isEqualTo(USER);

        assertThat(requests).extracting(Seen::path).containsExactly("/subjects/users-value/versions");
    }

    @Test
    void shouldFetchAnUnknownIdOnceAndThenFromTheCache() {
        int id = client(RegistryAuth.none()).register("users-value", USER);
        RestSchemaRegistryClient reader = client(RegistryAuth.none());

        assertThat(reader.schemaById(id)).isEqualTo(USER);
        assertThat(reader.schemaById(id)).isEqualTo(USER);

        assertThat(requests).extracting(Seen::path)
                .containsExactly("/subjects/users-value/versions", "/schemas/ids/" + id);
    }

    @Test
    void shouldMapAnUnknownIdToSchemaNotFoundWithoutRetrying() {
        assertThatThrownBy(() -> client(RegistryAuth.none()).schemaById(4242))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> {
                    assertThat(e.httpStatus()).isEqualTo(404);
                    assertThat(e.errorCode()).isEqualTo(40403);
                })
                .hasMessageContaining("Schema 4242 not found");
        assertThat(requests).hasSize(1);
    }

    @Test
    void shouldRetryAnUnavailableRegistry() {
        failuresLeft.set(2);

        assertThat(client(RegistryAuth.none()).register("users-value", USER)).isEqualTo(1);

        assertThat(requests).hasSize(3);
    }

    @Test
    void shouldWriteTheWireFormatWithAnIdThatResolvesAtTheRegistry() {
        Turn turn = Turns.sample();

        byte[] bytes = ConfluentAvroSerde.forValue(client(RegistryAuth.none()), Turn.class)
                .serialize("session-turns", turn);

        int id = ByteBuffer.wrap(bytes, 1, 4).getInt();
        RegistryHttp http = new RegistryHttp(registry.port());
        assertThat(bytes[0]).isZero();
        assertThat(http.get("/subjects/session-turns-value/versions/latest").json().get("id").asInt()).isEqualTo(id);
        assertThat(new Schema.Parser().parse(http.get("/schemas/ids/" + id).json().get("schema").asText()))
                .isEqualTo(Turn.getClassSchema());
        assertThat(ConfluentAvroSerde.forValue(client(RegistryAuth.none()), Turn.class)
                .deserialize("session-turns", bytes)).isEqualTo(turn);
    }
}
