package io.sessionizer.auth;

import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.server.DecoratingHttpServiceFunction;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.netty.util.AttributeKey;
import java.util.Optional;

/**
 * The Armeria decorator of both services: finds the tenant of a request from its {@code Authorization: Bearer} key
 * and keeps it in the request context for {@link #tenant}, or answers the request with the service's own rejection
 * (problem JSON for the REST API, an OTLP status over HTTP or gRPC). Without keys configured every request is the
 * default tenant's.
 */
public final class TenantAuthentication implements DecoratingHttpServiceFunction {
    private static final AttributeKey<String> TENANT = AttributeKey.valueOf(TenantAuthentication.class, "TENANT");

    /** How a service answers a request without a known key. */
    @FunctionalInterface
    public interface Rejection {
        /** @param authorization the request's {@code Authorization} header, null when it has none */
        HttpResponse reject(ServiceRequestContext ctx, HttpRequest req, String authorization);
    }

    private final ApiKeys keys;
    private final Rejection rejection;

    public TenantAuthentication(ApiKeys keys, Rejection rejection) {
        this.keys = keys;
        this.rejection = rejection;
    }

    @Override
    public HttpResponse serve(HttpService delegate, ServiceRequestContext ctx, HttpRequest req) throws Exception {
        String authorization = req.headers().get(HttpHeaderNames.AUTHORIZATION);
        Optional<String> tenant = keys.tenantFor(authorization);
        if (tenant.isEmpty()) {
            return rejection.reject(ctx, req, authorization);
        }
        ctx.setAttr(TENANT, tenant.get());
        return delegate.serve(ctx, req);
    }

    /** The tenant this decorator found for the request. */
    public static String tenant(ServiceRequestContext ctx) {
        String tenant = ctx.attr(TENANT);
        if (tenant == null) {
            throw new IllegalStateException("No tenant: the service is served without the TenantAuthentication "
                    + "decorator");
        }
        return tenant;
    }

    /**
     * The id of the request's key, safe to log and to key a rate limit by, or {@code "-"} when keys are off. Until
     * keys carry ids (issue 16, section 1) every request answers {@code "-"}.
     */
    public static String keyId(ServiceRequestContext ctx) {
        return "-";
    }
}
