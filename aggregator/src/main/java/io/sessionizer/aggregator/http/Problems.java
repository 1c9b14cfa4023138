package io.sessionizer.aggregator.http;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.common.ResponseHeadersBuilder;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.sessionizer.auth.TenantAuthentication;

/** Error answers as RFC 9457 problem details ({@code application/problem+json}). */
public final class Problems {
    public static final MediaType PROBLEM_JSON = MediaType.parse("application/problem+json");
    /** The API's answers to a request without a known key (401) or without the scope of its route (403). */
    public static final TenantAuthentication.Rejection REJECTION = new TenantAuthentication.Rejection() {
        @Override
        public HttpResponse unauthenticated(ServiceRequestContext ctx, HttpRequest req, String authorization) {
            return unauthorized(authorization);
        }

        @Override
        public HttpResponse forbidden(ServiceRequestContext ctx, HttpRequest req, String detail) {
            return Problems.forbidden(detail);
        }
    };
    /** Seconds a client should wait before asking again while state is not queryable. */
    static final int RETRY_AFTER_SECONDS = 1;

    private Problems() {
    }

    public static HttpResponse of(HttpStatus status, String detail) {
        return aggregated(status, detail).toHttpResponse();
    }

    /**
     * {@link #of} as a whole response, for the status Armeria renders by itself ({@link ProblemStatusRenderer}); a
     * 503 or 429 says when to ask again.
     */
    static AggregatedHttpResponse aggregated(HttpStatus status, String detail) {
        ResponseHeadersBuilder headers = ResponseHeaders.builder(status).contentType(PROBLEM_JSON);
        if (status.equals(HttpStatus.SERVICE_UNAVAILABLE) || status.equals(HttpStatus.TOO_MANY_REQUESTS)) {
            headers.add(HttpHeaderNames.RETRY_AFTER, Integer.toString(RETRY_AFTER_SECONDS));
        }
        return AggregatedHttpResponse.of(headers.build(), HttpData.ofUtf8(body(status, detail).toString()));
    }

    /**
     * 400 about one member of a request body or one path parameter: {@code field} names it, so that a client can
     * point at the input at fault without parsing {@code detail}.
     */
    public static HttpResponse badField(String field, String detail) {
        ObjectNode body = body(HttpStatus.BAD_REQUEST, detail);
        body.put("field", field);
        return HttpResponse.of(ResponseHeaders.of(HttpStatus.BAD_REQUEST, HttpHeaderNames.CONTENT_TYPE, PROBLEM_JSON),
                HttpData.ofUtf8(body.toString()));
    }

    public static HttpResponse unavailable(String detail) {
        return unavailable(detail, RETRY_AFTER_SECONDS);
    }

    /** 503 with {@code Retry-After: retryAfterSeconds}. */
    public static HttpResponse unavailable(String detail, int retryAfterSeconds) {
        return retryAfter(HttpStatus.SERVICE_UNAVAILABLE, detail, retryAfterSeconds);
    }

    /** 429 with {@code Retry-After: retryAfterSeconds}: a client over its rate limit. */
    public static HttpResponse tooManyRequests(String detail, long retryAfterSeconds) {
        return retryAfter(HttpStatus.TOO_MANY_REQUESTS, detail, retryAfterSeconds);
    }

    private static HttpResponse retryAfter(HttpStatus status, String detail, long retryAfterSeconds) {
        return HttpResponse.of(ResponseHeaders.builder(status)
                        .contentType(PROBLEM_JSON)
                        .add(HttpHeaderNames.RETRY_AFTER, Long.toString(retryAfterSeconds))
                        .build(),
                HttpData.ofUtf8(body(status, detail).toString()));
    }

    /**
     * 401 with the {@code WWW-Authenticate} challenge of RFC 6750: the other half of the API's rejection.
     *
     * @param authorization the request's {@code Authorization} header, null when it has none
     */
    public static HttpResponse unauthorized(String authorization) {
        String detail = authorization == null
                ? "This server needs an API key: send 'Authorization: Bearer <key>'"
                : "Unknown API key";
        return HttpResponse.of(ResponseHeaders.builder(HttpStatus.UNAUTHORIZED)
                        .contentType(PROBLEM_JSON)
                        .add(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"sessionizer\"")
                        .build(),
                HttpData.ofUtf8(body(HttpStatus.UNAUTHORIZED, detail).toString()));
    }

    /** 403 for a known key without the scope of the route: the other half of the API's rejection. */
    public static HttpResponse forbidden(String detail) {
        return of(HttpStatus.FORBIDDEN, detail);
    }

    private static ObjectNode body(HttpStatus status, String detail) {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        node.put("type", "about:blank");
        node.put("title", status.reasonPhrase());
        node.put("status", status.code());
        node.put("detail", detail);
        return node;
    }
}
