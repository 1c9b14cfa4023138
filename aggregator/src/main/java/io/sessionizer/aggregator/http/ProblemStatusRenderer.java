package io.sessionizer.aggregator.http;

import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.annotation.Nullable;
import com.linecorp.armeria.server.ServerErrorHandler;
import com.linecorp.armeria.server.ServiceConfig;
import com.linecorp.armeria.server.ServiceRequestContext;

/**
 * Renders the answers Armeria gives by itself under {@code /api/} (an unknown path or method, a body over the
 * limit, a request timeout) as problem+json, as every other error of the API is; the UI's files and the operational
 * endpoints keep Armeria's own. Exceptions are left to the default handler, which renders them through this.
 */
public final class ProblemStatusRenderer implements ServerErrorHandler {
    private static final String API = "/api/";

    @Override
    public @Nullable HttpResponse onServiceException(ServiceRequestContext ctx, Throwable cause) {
        return null;
    }

    @Override
    public @Nullable AggregatedHttpResponse renderStatus(@Nullable ServiceRequestContext ctx, ServiceConfig config,
            @Nullable RequestHeaders headers, HttpStatus status, @Nullable String description,
            @Nullable Throwable cause) {
        if (headers == null || !headers.path().startsWith(API)) {
            return null;
        }
        return Problems.aggregated(status, description == null || description.isBlank()
                ? status.reasonPhrase() : description);
    }
}
