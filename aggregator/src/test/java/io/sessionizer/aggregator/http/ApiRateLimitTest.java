package io.sessionizer.aggregator.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.linecorp.armeria.client.BlockingWebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.RequestHeadersBuilder;
import com.linecorp.armeria.server.Server;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sessionizer.aggregator.AggregatorSettings;
import io.sessionizer.auth.ApiKeys;
import io.sessionizer.auth.PeerSignature;
import io.sessionizer.auth.TenantAuthentication;
import io.sessionizer.config.Config;
import io.sessionizer.config.ConfigException;
import io.sessionizer.testing.ManualClock;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The API's rate limit on a real Armeria server, decorated in the order of {@code AggregatorApp} (the limit inside
 * authentication), with a clock the test moves.
 */
class ApiRateLimitTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final PeerSignature PEERS = PeerSignature.of("a-secret-of-the-deployment-32-characters");

    private final ManualClock clock = new ManualClock();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private Server server;
    private ApiRateLimit limit;

    private void start(double rate, int burst, ApiKeys keys) {
        limit = new ApiRateLimit(rate, burst, registry, clock);
        server = Server.builder()
                .http(0)
                .service("/api/v1/sessions", (ctx, req) -> HttpResponse.of("sessions of "
                        + TenantAuthentication.tenant(ctx)))
                .service("/ui", (ctx, req) -> HttpResponse.of("ui"))
                // As AggregatorApp: the limit is added first, so that it runs inside the authentication and the
                // peer check.
                .decoratorUnder("/api/", limit)
                .decoratorUnder("/api/", new TenantAuthentication(keys, ApiScopes::of,
                        Problems.REJECTION))
                .decoratorUnder("/api/", new PeerCheck(PEERS))
                .build();
        server.start().join();
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop().join();
        }
    }

    private AggregatedHttpResponse get(String path, String... headers) {
        RequestHeadersBuilder request = RequestHeaders.builder(HttpMethod.GET, path);
        for (int i = 0; i < headers.length; i += 2) {
            request.add(headers[i], headers[i + 1]);
        }
        return BlockingWebClient.of("http://127.0.0.1:" + server.activeLocalPort()).execute(request.build());
    }

    private AggregatedHttpResponse withKey(String key) {
        return get("/api/v1/sessions", "authorization", "Bearer " + key);
    }

    private static ApiKeys twoKeys() {
        return ApiKeys.of(List.of("k1=alpha", "k2=beta"), "auth.api-keys", "");
    }

    @Test
    void shouldAnswer429ProblemJsonWithRetryAfterToAKeyOverItsRateAndServeAnotherKey() throws Exception {
        start(1, 2, twoKeys());
        assertThat(withKey("k1").status().code()).isEqualTo(200);
        assertThat(withKey("k1").status().code()).isEqualTo(200);

        AggregatedHttpResponse refused = withKey("k1");

        assertThat(refused.status().code()).isEqualTo(429);
        assertThat(refused.headers().get("retry-after")).isEqualTo("1");
        assertThat(refused.contentType().toString()).isEqualTo("application/problem+json");
        JsonNode problem = JSON.readTree(refused.contentUtf8());
        assertThat(problem.get("status").asInt()).isEqualTo(429);
        assertThat(problem.get("title").asText()).isEqualTo("Too Many Requests");
        assertThat(problem.get("detail").asText()).isEqualTo("Too many requests: this API key may make 1 requests "
                + "per second (2 at once); retry in 1 s");
        AggregatedHttpResponse other = withKey("k2");
        assertThat(other.status().code()).isEqualTo(200);
        assertThat(other.contentUtf8()).isEqualTo("sessions of beta");
        assertThat(registry.get("api.rate.limited").tag("tenant", "alpha").counter().count()).isEqualTo(1);
        assertThat(registry.find("api.rate.limited").tag("tenant", "beta").counter()).isNull();
    }

    @Test
    void shouldGiveEachKeyItsOwnBucketEvenWithinOneTenant() {
        start(1, 1, ApiKeys.of(List.of("k1=alpha", "k3=alpha"), "auth.api-keys", ""));
        assertThat(withKey("k1").status().code()).isEqualTo(200);
        assertThat(withKey("k1").status().code()).isEqualTo(429);

        assertThat(withKey("k3").status().code()).isEqualTo(200);
    }

    @Test
    void shouldRefillContinuouslyAndSayHowLongToWait() {
        start(0.25, 1, twoKeys());
        assertThat(withKey("k1").status().code()).isEqualTo(200);

        AggregatedHttpResponse refused = withKey("k1");
        assertThat(refused.headers().get("retry-after")).isEqualTo("4");
        clock.advance(Duration.ofMillis(2500));
        assertThat(withKey("k1").headers().get("retry-after")).as("rounded up").isEqualTo("2");
        clock.advance(Duration.ofMillis(1500));

        assertThat(withKey("k1").status().code()).isEqualTo(200);
    }

    @Test
    void shouldRefuseAnUnknownKey401WithoutTakingAToken() {
        start(1, 1, twoKeys());

        assertThat(withKey("nope").status().code()).isEqualTo(401);
        assertThat(get("/api/v1/sessions").status().code()).isEqualTo(401);

        assertThat(withKey("k1").status().code()).isEqualTo(200);
    }

    @Test
    void shouldNotCountARequestAnotherInstanceForwarded() {
        start(1, 1, twoKeys());
        assertThat(withKey("k1").status().code()).isEqualTo(200);

        assertThat(get("/api/v1/sessions", "authorization", "Bearer k1", PeerSignature.LOCAL_HEADER, "active",
                PeerSignature.PEER_HEADER, PEERS.sign("GET", "/api/v1/sessions", "active")).status().code())
                .isEqualTo(200);
        assertThat(withKey("k1").status().code()).isEqualTo(429);
    }

    @Test
    void shouldNotLetAnUnsignedLocalHeaderPassTheLimit() {
        start(1, 1, twoKeys());
        assertThat(withKey("k1").status().code()).isEqualTo(200);

        assertThat(get("/api/v1/sessions", "authorization", "Bearer k1", PeerSignature.LOCAL_HEADER, "active")
                .status().code()).isEqualTo(403);
        assertThat(withKey("k1").status().code()).isEqualTo(429);
    }

    @Test
    void shouldLimitEachClientAddressWhenKeysAreOffAndLeaveOtherPathsAlone() {
        start(1, 1, ApiKeys.none());
        assertThat(get("/api/v1/sessions").status().code()).isEqualTo(200);

        AggregatedHttpResponse refused = get("/api/v1/sessions");

        assertThat(refused.status().code()).isEqualTo(429);
        assertThat(refused.contentUtf8()).contains("this client may make 1 requests per second");
        assertThat(registry.get("api.rate.limited").tag("tenant", "default").counter().count()).isEqualTo(1);
        assertThat(get("/ui").status().code()).isEqualTo(200);
    }

    @Test
    void shouldLimitNothingAtRateZero() {
        start(0, 0, twoKeys());

        for (int i = 0; i < 20; i++) {
            assertThat(withKey("k1").status().code()).isEqualTo(200);
        }
    }

    @Test
    void shouldDropFullBucketsNowAndThen() {
        start(1, 1, twoKeys());
        withKey("k1");
        withKey("k2");
        assertThat(limit.buckets()).isEqualTo(2);

        clock.advance(ApiRateLimit.SWEEP_INTERVAL);
        withKey("k1");

        // k2's bucket had refilled and is gone; k1's was just used.
        await().untilAsserted(() -> assertThat(limit.buckets()).isEqualTo(1));
    }

    @Test
    void shouldSweepOnTheGivenExecutorNotOnTheRequestsThread() {
        limit = new ApiRateLimit(1, 1, registry, clock);
        List<Runnable> sweeps = new ArrayList<>();
        limit.take("k1", sweeps::add);
        limit.take("k2", sweeps::add);
        clock.advance(ApiRateLimit.SWEEP_INTERVAL);

        limit.take("k1", sweeps::add);
        limit.take("k1", sweeps::add);

        assertThat(sweeps).as("one sweep per interval").hasSize(1);
        assertThat(limit.buckets()).as("not swept inline").isEqualTo(2);
        sweeps.get(0).run();
        assertThat(limit.buckets()).isEqualTo(1);
    }

    @Test
    void shouldLetNewClientsShareOneOverflowBucketBeyondTheCapUntilASweepMakesRoom() throws Exception {
        limit = new ApiRateLimit(1, 1, registry, clock, 2);
        assertThat(take("192.0.2.1")).isTrue();
        assertThat(take("192.0.2.2")).isTrue();

        assertThat(take("192.0.2.3")).as("the overflow bucket").isTrue();
        assertThat(take("192.0.2.4")).as("the overflow bucket, shared and empty").isFalse();
        assertThat(take("192.0.2.1")).as("its own bucket, empty").isFalse();
        assertThat(limit.buckets()).isEqualTo(2);

        clock.advance(ApiRateLimit.SWEEP_INTERVAL);
        assertThat(take("192.0.2.1")).isTrue();
        assertThat(limit.buckets()).as("192.0.2.2's full bucket swept").isEqualTo(1);
        assertThat(take("192.0.2.5")).as("a bucket of its own again").isTrue();
        assertThat(take("192.0.2.4")).as("the overflow bucket, refilled").isTrue();
        assertThat(take("192.0.2.6")).as("the overflow bucket, shared and empty").isFalse();
        assertThat(limit.buckets()).isEqualTo(2);
    }

    @Test
    void shouldKeyAnIpv6ClientByItsSlash64AndAnIpv4ClientByItsAddress() throws Exception {
        limit = new ApiRateLimit(1, 1, registry, clock);
        assertThat(take("2001:db8:0:7::1")).isTrue();

        assertThat(take("2001:db8:0:7:ffff:1:2:3")).as("the same /64").isFalse();
        assertThat(take("2001:db8:0:8::1")).as("another /64").isTrue();
        assertThat(take("192.0.2.1")).isTrue();
        assertThat(take("192.0.2.2")).isTrue();
        assertThat(limit.buckets()).isEqualTo(4);
        assertThat(ApiRateLimit.clientKey(InetAddress.getByName("2001:db8:0:7::1")))
                .isEqualTo(0x20010db800000007L);
    }

    /** One request of a client without a key, swept inline: whether it was let through. */
    private boolean take(String address) throws Exception {
        return limit.take(ApiRateLimit.clientKey(InetAddress.getByName(address)), Runnable::run).isConsumed();
    }

    @Test
    void shouldReadTheSettingsWithABurstOfTwiceTheRateByDefault() {
        Config config = Config.load(AggregatorSettings.all(), Map.of(), Map.of("api.rate-limit", "2.5"));
        assertThat(config.get(ApiRateLimit.RATE)).isEqualTo(2.5);
        assertThat(config.get(ApiRateLimit.BURST)).isZero();
        start(2.5, 0, twoKeys());

        for (int i = 0; i < 5; i++) {
            assertThat(withKey("k1").status().code()).isEqualTo(200);
        }
        assertThat(withKey("k1").status().code()).isEqualTo(429);
        for (String invalid : List.of("-1", "fast", "NaN", "Infinity", "0.0000001")) {
            assertThatThrownBy(() -> Config.load(AggregatorSettings.all(), Map.of(),
                    Map.of("api.rate-limit", invalid)))
                    .isInstanceOf(ConfigException.class).hasMessageContaining("api.rate-limit");
        }
    }
}
