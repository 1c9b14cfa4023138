package io.sessionizer.aggregator.http;

import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.server.DecoratingHttpServiceFunction;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.netty.util.AttributeKey;
import io.sessionizer.auth.ApiKeys;
import java.util.Optional;

/**
 * The tenant of an API request, from its bearer key: the same keys as the ingest's, so a key reads the sessions of the
 * tenant it sends spans for, and no other. Without keys configured every request is the default tenant's.
 */
public final class Authentication implements DecoratingHttpServiceFunction {
    private static final AttributeKey<String> TENANT = AttributeKey.valueOf(Authentication.class, "TENANT");

    private final ApiKeys keys;

    public Authentication(ApiKeys keys) {
        this.keys = keys;
    }

    @Override
    public HttpResponse serve(HttpService delegate, ServiceRequestContext ctx, HttpRequest req) throws Exception {
        String authorization = req.headers().get(HttpHeaderNames.AUTHORIZATION);
        Optional<String> tenant = keys.tenantFor(authorization);
        if (tenant.isEmpty()) {
            return Problems.unauthorized(authorization == null
                    ? "This server needs an API key: send 'Authorization: Bearer <key>'"
                    : "Unknown API key");
        }
        ctx.setAttr(TENANT, tenant.get());
        return delegate.serve(ctx, req);
    }

    /** The tenant this decorator found for the request. */
    static String tenant(ServiceRequestContext ctx) {
        String tenant = ctx.attr(TENANT);
        if (tenant == null) {
            throw new IllegalStateException("No tenant: the API is served without the Authentication decorator");
        }
        return tenant;
    }
}
