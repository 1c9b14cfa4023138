package io.sessionizer.aggregator.http;

import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import com.linecorp.armeria.server.annotation.AnnotatedService;
import io.sessionizer.auth.Scope;

/**
 * The scope a request under {@code /api/} needs: {@code read} for GET (and HEAD), {@code annotate} for a POST or DELETE
 * that a route of {@link AnnotationsApi} serves; any other write needs {@code admin}, so that a route added later is
 * closed until it is given a scope here. The annotations' routes are told by the service they were routed to, not by
 * their paths, so that renaming or adding one there cannot leave it needing another scope.
 */
public final class ApiScopes {
    private ApiScopes() {
    }

    public static Scope of(ServiceRequestContext ctx) {
        return switch (ctx.method()) {
            case GET, HEAD -> Scope.READ;
            case POST, DELETE -> servedBy(ctx, AnnotationsApi.class) ? Scope.ANNOTATE : Scope.ADMIN;
            default -> Scope.ADMIN;
        };
    }

    /** True when the request was routed to a method of {@code api}, an annotated service (through its decorators). */
    private static boolean servedBy(ServiceRequestContext ctx, Class<?> api) {
        HttpService service = ctx.config().service();
        AnnotatedService annotated = service.as(AnnotatedService.class);
        return annotated != null && annotated.serviceClass() == api;
    }
}
