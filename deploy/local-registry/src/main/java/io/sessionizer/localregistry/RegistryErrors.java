package io.sessionizer.localregistry;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.server.ServerErrorHandler;
import com.linecorp.armeria.server.ServiceConfig;
import com.linecorp.armeria.server.ServiceRequestContext;
import com.linecorp.armeria.server.annotation.ExceptionHandlerFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every error as the Confluent API writes one, {@code {"error_code": 40401, "message": "Subject 'x' not found."}}:
 * the API's own errors, and Armeria's plain statuses (unknown path, wrong method) as Confluent's Jersey renders
 * them, {@code {"error_code": 404, "message": "HTTP 404 Not Found"}}.
 */
final class RegistryErrors implements ExceptionHandlerFunction, ServerErrorHandler {
    private static final Logger LOG = LoggerFactory.getLogger(RegistryErrors.class);

    @Override
    public HttpResponse handleException(ServiceRequestContext ctx, HttpRequest req, Throwable cause) {
        if (cause instanceof RegistryError error) {
            if (error.httpStatus() >= 500) {
                LOG.warn("{} {}: {}", req.method(), req.path(), error.getMessage(), error.getCause());
            }
            return HttpResponse.of(RegistryMediaTypes.headers(HttpStatus.valueOf(error.httpStatus()), req.headers()),
                    HttpData.ofUtf8(body(error.errorCode(), error.getMessage())));
        }
        return ExceptionHandlerFunction.fallthrough();
    }

    @Override
    public HttpResponse onServiceException(ServiceRequestContext ctx, Throwable cause) {
        // Armeria's default: 500, logged, rendered by renderStatus below.
        return null;
    }

    @Override
    public AggregatedHttpResponse renderStatus(ServiceRequestContext ctx, ServiceConfig config,
            RequestHeaders headers, HttpStatus status, String description, Throwable cause) {
        String message = description != null ? description : "HTTP " + status.code() + " " + status.reasonPhrase();
        return AggregatedHttpResponse.of(RegistryMediaTypes.headers(status, headers),
                HttpData.ofUtf8(body(status.code(), message)));
    }

    static String body(int errorCode, String message) {
        return JsonNodeFactory.instance.objectNode().put("error_code", errorCode).put("message", message).toString();
    }
}
