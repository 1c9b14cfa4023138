package io.sessionizer.auth;

import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.server.DecoratingHttpServiceFunction;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.netty.util.AttributeKey;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Armeria decorator of both services: finds the caller of a request from its {@code Authorization: Bearer} key,
 * checks that the key has the scope of the route, and keeps the caller in the request context for {@link #tenant} and
 * {@link #keyId}; or answers with the service's own rejection (problem JSON for the REST API, an OTLP status over
 * HTTP or gRPC): 401 for a missing or unknown key, 403 for a known key without the scope. Without keys configured
 * every request is the default tenant's, with every scope.
 */
public final class TenantAuthentication implements DecoratingHttpServiceFunction {
    private static final Logger LOG = LoggerFactory.getLogger(TenantAuthentication.class);
    private static final AttributeKey<Caller> CALLER = AttributeKey.valueOf(TenantAuthentication.class, "CALLER");

    /** How a service answers a request it refuses. */
    public interface Rejection {
        /**
         * No known key: 401.
         *
         * @param authorization the request's {@code Authorization} header, null when it has none
         */
        HttpResponse unauthenticated(ServiceRequestContext ctx, HttpRequest req, String authorization);

        /**
         * A known key without the scope the route needs: 403.
         *
         * @param detail the message for the client: {@code This key may not read: it has the scopes ingest}
         */
        HttpResponse forbidden(ServiceRequestContext ctx, HttpRequest req, String detail);
    }

    private final ApiKeys keys;
    private final Function<? super ServiceRequestContext, Scope> scopeOf;
    private final Rejection rejection;

    /** Every route it decorates needs {@code scope}. */
    public TenantAuthentication(ApiKeys keys, Scope scope, Rejection rejection) {
        this(keys, ctx -> scope, rejection);
        Objects.requireNonNull(scope);
    }

    /** Each request needs the scope {@code scopeOf} gives for it (by method and path, say). */
    public TenantAuthentication(ApiKeys keys, Function<? super ServiceRequestContext, Scope> scopeOf,
            Rejection rejection) {
        this.keys = Objects.requireNonNull(keys);
        this.scopeOf = Objects.requireNonNull(scopeOf);
        this.rejection = Objects.requireNonNull(rejection);
    }

    @Override
    public HttpResponse serve(HttpService delegate, ServiceRequestContext ctx, HttpRequest req) throws Exception {
        String authorization = req.headers().get(HttpHeaderNames.AUTHORIZATION);
        Optional<Caller> found = keys.authenticate(authorization);
        if (found.isEmpty()) {
            return rejection.unauthenticated(ctx, req, authorization);
        }
        Caller caller = found.get();
        Scope needed = scopeOf.apply(ctx);
        if (!caller.may(needed)) {
            LOG.debug("Refused {} {}: key {} of tenant {} lacks the scope {}", ctx.method(), ctx.path(),
                    caller.keyId(), caller.tenant(), needed.tag());
            return rejection.forbidden(ctx, req,
                    "This key may not " + needed.tag() + ": it has the scopes " + caller.scopeList());
        }
        ctx.setAttr(CALLER, caller);
        return delegate.serve(ctx, req);
    }

    /** The tenant this decorator found for the request. */
    public static String tenant(ServiceRequestContext ctx) {
        Caller caller = ctx.attr(CALLER);
        if (caller == null) {
            throw new IllegalStateException("No tenant: the service is served without the TenantAuthentication "
                    + "decorator");
        }
        return caller.tenant();
    }

    /**
     * The id of the request's key: the first 12 hex digits of its SHA-256, safe to log and to use as a metric tag or a
     * rate-limit bucket; {@value Caller#NO_KEY} when keys are off (or the request was not authenticated here).
     */
    public static String keyId(ServiceRequestContext ctx) {
        Caller caller = ctx.attr(CALLER);
        return caller == null ? Caller.NO_KEY : caller.keyId();
    }
}
