package io.sessionizer.aggregator.http;

import com.linecorp.armeria.server.ServiceRequestContext;
import io.sessionizer.auth.Scope;
import java.util.regex.Pattern;

/**
 * The scope a request under {@code /api/} needs: {@code read} for GET (and HEAD), {@code annotate} for POST and DELETE
 * of the annotations API; any other write needs {@code admin}, so that a route added later is closed until it is given
 * a scope here.
 */
public final class ApiScopes {
    /** The paths of {@link AnnotationsApi}'s POSTs and, with an annotation id, its DELETEs. */
    private static final Pattern ANNOTATIONS =
            Pattern.compile("/api/v1/(sessions/[^/]+(/turns/[^/]+)?|session)/annotations(/[^/]+)?");

    private ApiScopes() {
    }

    public static Scope of(ServiceRequestContext ctx) {
        return switch (ctx.method()) {
            case GET, HEAD -> Scope.READ;
            case POST, DELETE -> ANNOTATIONS.matcher(ctx.path()).matches() ? Scope.ANNOTATE : Scope.ADMIN;
            default -> Scope.ADMIN;
        };
    }
}
