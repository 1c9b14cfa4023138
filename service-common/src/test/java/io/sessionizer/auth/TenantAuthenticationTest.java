package io.sessionizer.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import java.util.List;
import org.junit.jupiter.api.Test;

class TenantAuthenticationTest {
    /** Answers with what the decorator left in the context: tenant and key id. */
    private static final HttpService ECHO = (ctx, req) -> HttpResponse.of(
            TenantAuthentication.tenant(ctx) + " " + TenantAuthentication.keyId(ctx));
    /** 401 and 403 with the detail as the body, so that a test sees which was chosen and why. */
    private static final TenantAuthentication.Rejection REJECTION = new TenantAuthentication.Rejection() {
        @Override
        public HttpResponse unauthenticated(ServiceRequestContext ctx, HttpRequest req, String authorization) {
            return HttpResponse.of(HttpStatus.UNAUTHORIZED);
        }

        @Override
        public HttpResponse forbidden(ServiceRequestContext ctx, HttpRequest req, String detail) {
            return HttpResponse.of(HttpStatus.FORBIDDEN, MediaType.PLAIN_TEXT_UTF_8, detail);
        }
    };

    private static AggregatedHttpResponse serve(TenantAuthentication auth, HttpMethod method, String key)
            throws Exception {
        RequestHeaders headers = key == null ? RequestHeaders.of(method, "/api/v1/sessions")
                : RequestHeaders.of(method, "/api/v1/sessions", "authorization", "Bearer " + key);
        HttpRequest req = HttpRequest.of(headers);
        ServiceRequestContext ctx = ServiceRequestContext.of(req);
        return auth.serve(ECHO, ctx, req).aggregate().join();
    }

    @Test
    void shouldServeAKeyWithTheScopeKeepingItsTenantAndKeyId() throws Exception {
        ApiKeys keys = ApiKeys.of(List.of("abc=acme read"), "auth.api-keys", "");

        AggregatedHttpResponse response = serve(new TenantAuthentication(keys, Scope.READ, REJECTION), HttpMethod.GET,
                "abc");

        assertThat(response.status()).isEqualTo(HttpStatus.OK);
        assertThat(response.contentUtf8()).isEqualTo("acme ba7816bf8f01");
    }

    @Test
    void shouldAnswer403NamingTheMissingScopeAndTheKeysScopes() throws Exception {
        ApiKeys keys = ApiKeys.of(List.of("abc=acme ingest annotate"), "auth.api-keys", "");

        AggregatedHttpResponse response = serve(new TenantAuthentication(keys, Scope.READ, REJECTION), HttpMethod.GET,
                "abc");

        assertThat(response.status()).isEqualTo(HttpStatus.FORBIDDEN);
        assertThat(response.contentUtf8())
                .isEqualTo("This key may not read: it has the scopes ingest, annotate");
    }

    @Test
    void shouldAnswer401ToAMissingOrUnknownKeyBeforeLookingAtScopes() throws Exception {
        TenantAuthentication auth = new TenantAuthentication(ApiKeys.of(List.of("abc=acme"), "auth.api-keys", ""),
                Scope.ADMIN, REJECTION);

        assertThat(serve(auth, HttpMethod.GET, null).status()).isEqualTo(HttpStatus.UNAUTHORIZED);
        assertThat(serve(auth, HttpMethod.GET, "abd").status()).isEqualTo(HttpStatus.UNAUTHORIZED);
        assertThat(serve(auth, HttpMethod.GET, "abc").status()).as("no scope listed: all").isEqualTo(HttpStatus.OK);
    }

    @Test
    void shouldAskTheRouteForItsScopeOnEachRequest() throws Exception {
        TenantAuthentication auth = new TenantAuthentication(
                ApiKeys.of(List.of("abc=acme read"), "auth.api-keys", ""),
                ctx -> ctx.method() == HttpMethod.GET ? Scope.READ : Scope.ANNOTATE, REJECTION);

        assertThat(serve(auth, HttpMethod.GET, "abc").status()).isEqualTo(HttpStatus.OK);
        assertThat(serve(auth, HttpMethod.POST, "abc").contentUtf8()).startsWith("This key may not annotate:");
    }

    @Test
    void shouldGiveTheDefaultTenantAndNoKeyIdWithoutKeys() throws Exception {
        AggregatedHttpResponse response = serve(new TenantAuthentication(ApiKeys.none(), Scope.INGEST, REJECTION),
                HttpMethod.POST, null);

        assertThat(response.contentUtf8()).isEqualTo("default -");
        assertThat(TenantAuthentication.keyId(ServiceRequestContext.of(HttpRequest.of(HttpMethod.GET, "/"))))
                .as("not authenticated here").isEqualTo("-");
    }
}
