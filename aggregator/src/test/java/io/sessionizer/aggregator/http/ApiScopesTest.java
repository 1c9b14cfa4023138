package io.sessionizer.aggregator.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.sessionizer.auth.Scope;
import java.util.List;
import org.junit.jupiter.api.Test;

class ApiScopesTest {
    private static final String TRACE = "0af7651916cd43dd8448eb211c80319c";
    private static final String ID = "8c5d4f0e-3b1a-4c2d-9e8f-1a2b3c4d5e6f";

    private static Scope scope(HttpMethod method, String path) {
        return ApiScopes.of(ServiceRequestContext.of(HttpRequest.of(method, path)));
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
        assertThat(scope(HttpMethod.POST, "/api/v1/sessions/s-1/annotations/" + ID + "/more")).isEqualTo(Scope.ADMIN);
        assertThat(scope(HttpMethod.PUT, "/api/v1/sessions/s-1/annotations")).isEqualTo(Scope.ADMIN);
        assertThat(scope(HttpMethod.PATCH, "/api/v1/session/annotations")).isEqualTo(Scope.ADMIN);
    }
}
