package io.sessionizer.aggregator.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.annotation.Delete;
import com.linecorp.armeria.server.annotation.Param;
import com.linecorp.armeria.server.annotation.Post;
import io.sessionizer.auth.Scope;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The scope of each request, as a real server routes it: {@link AnnotationsApi}'s own routes, and writes of another
 * service. A decorator answers the scope instead of serving, so the annotations API needs no writer here.
 */
class ApiScopesTest {
    private static final String TRACE = "0af7651916cd43dd8448eb211c80319c";
    private static final String ID = "8c5d4f0e-3b1a-4c2d-9e8f-1a2b3c4d5e6f";
    private static final String SCOPE = "x-scope";
    private static Server server;
    private static WebClient client;

    /** Another API with writes of its own: they must need admin, whatever their paths look like. */
    public static final class OtherApi {
        @Post("/api/v1/sessions")
        public HttpResponse create() {
            return HttpResponse.of("created");
        }

        @Delete("/api/v1/sessions/{session_id}")
        public HttpResponse delete(@Param("session_id") String sessionId) {
            return HttpResponse.of("deleted");
        }

        @Post("/api/v1/other/annotations")
        public HttpResponse lookalike() {
            return HttpResponse.of("not an annotation");
        }
    }

    @BeforeAll
    static void start() {
        server = new AnnotationsApi(null, Duration.ofSeconds(1), 1024, Clock.systemUTC())
                .addTo(Server.builder().http(0))
                .annotatedService(new OtherApi())
                // Every other path under /api/, as the sessions API and the fallback serve it: not an annotated route.
                .serviceUnder("/api/", (ctx, req) -> HttpResponse.of(HttpStatus.NOT_FOUND))
                .decoratorUnder("/api/", (delegate, ctx, req) ->
                        HttpResponse.of(ResponseHeaders.of(HttpStatus.OK, SCOPE, ApiScopes.of(ctx).name())))
                .build();
        server.start().join();
        client = WebClient.of("http://127.0.0.1:" + server.activeLocalPort());
    }

    @AfterAll
    static void stop() {
        server.stop().join();
    }

    private static Scope scope(HttpMethod method, String path) {
        // In a header, so that HEAD has it too.
        return Scope.valueOf(client.execute(RequestHeaders.of(method, path)).aggregate().join().headers().get(SCOPE));
    }

    @Test
    void shouldNeedReadForEveryGet() {
        for (String path : List.of("/api/v1/sessions", "/api/v1/sessions/facets?field=tag", "/api/v1/stats",
                "/api/v1/sessions/s-1", "/api/v1/session?session_id=a%2Fb", "/api/v1/sessions/s-1/turns",
                "/api/v1/sessions/s-1/annotations", "/api/v1/session/annotations?session_id=x")) {
            assertThat(scope(HttpMethod.GET, path)).as(path).isEqualTo(Scope.READ);
            assertThat(scope(HttpMethod.HEAD, path)).as(path).isEqualTo(Scope.READ);
        }
    }

    @Test
    void shouldNeedAnnotateForEveryWriteOfTheAnnotationsApi() {
        for (String path : List.of("/api/v1/sessions/s-1/annotations", "/api/v1/sessions/a%2Fb%20c/annotations",
                "/api/v1/sessions/s-1/turns/" + TRACE + "/annotations", "/api/v1/session/annotations?session_id=x")) {
            assertThat(scope(HttpMethod.POST, path)).as(path).isEqualTo(Scope.ANNOTATE);
        }
        for (String path : List.of("/api/v1/sessions/s-1/annotations/" + ID,
                "/api/v1/sessions/s-1/turns/" + TRACE + "/annotations/" + ID,
                "/api/v1/session/annotations/" + ID + "?session_id=x")) {
            assertThat(scope(HttpMethod.DELETE, path)).as(path).isEqualTo(Scope.ANNOTATE);
        }
    }

    @Test
    void shouldNeedAdminForAnyOtherWriteSoThatANewRouteStartsClosed() {
        assertThat(scope(HttpMethod.POST, "/api/v1/sessions")).isEqualTo(Scope.ADMIN);
        assertThat(scope(HttpMethod.DELETE, "/api/v1/sessions/s-1")).isEqualTo(Scope.ADMIN);
        assertThat(scope(HttpMethod.POST, "/api/v1/other/annotations")).isEqualTo(Scope.ADMIN);
        assertThat(scope(HttpMethod.POST, "/api/v1/sessions/s-1/annotations/" + ID + "/more")).isEqualTo(Scope.ADMIN);
        assertThat(scope(HttpMethod.PUT, "/api/v1/sessions/s-1/annotations")).isEqualTo(Scope.ADMIN);
        assertThat(scope(HttpMethod.PATCH, "/api/v1/session/annotations")).isEqualTo(Scope.ADMIN);
    }
}
