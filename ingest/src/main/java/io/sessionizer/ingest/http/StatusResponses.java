package io.sessionizer.ingest.http;

import com.google.rpc.Code;
import com.google.rpc.Status;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.common.ResponseHeadersBuilder;
import io.sessionizer.ingest.otlp.OtlpCodec;
import io.sessionizer.ingest.otlp.OtlpEncoding;
import io.sessionizer.ingest.pipeline.RejectReason;
import java.time.Duration;

/**
 * OTLP/HTTP error answers: a {@code google.rpc.Status} in the request's encoding, with {@code Retry-After} on
 * retryable errors (https://opentelemetry.io/docs/specs/otlp/#failures-1).
 */
final class StatusResponses {
    private final Duration retryAfter;

    StatusResponses(Duration retryAfter) {
        this.retryAfter = retryAfter;
    }

    static HttpStatus httpStatus(RejectReason reason) {
        return switch (reason) {
            case MALFORMED -> HttpStatus.BAD_REQUEST;
            case TOO_LARGE -> HttpStatus.REQUEST_ENTITY_TOO_LARGE;
            case UNSUPPORTED_MEDIA_TYPE -> HttpStatus.UNSUPPORTED_MEDIA_TYPE;
            case UNAUTHENTICATED -> HttpStatus.UNAUTHORIZED;
            case FORBIDDEN -> HttpStatus.FORBIDDEN;
            case OVERLOADED -> HttpStatus.TOO_MANY_REQUESTS;
            case KAFKA_UNAVAILABLE -> HttpStatus.SERVICE_UNAVAILABLE;
        };
    }

    HttpResponse reject(RejectReason reason, String message, OtlpEncoding encoding) {
        return respond(httpStatus(reason), reason.rpcCode(), message, encoding, reason.retryable(),
                reason == RejectReason.UNAUTHENTICATED);
    }

    HttpResponse internalError(OtlpEncoding encoding) {
        return respond(HttpStatus.INTERNAL_SERVER_ERROR, Code.INTERNAL, "Internal error; see the ingest log",
                encoding, false, false);
    }

    private HttpResponse respond(HttpStatus status, Code code, String message, OtlpEncoding encoding,
            boolean retryable, boolean challenge) {
        ResponseHeadersBuilder headers = ResponseHeaders.builder(status).contentType(encoding.mediaType());
        if (retryable) {
            headers.add(HttpHeaderNames.RETRY_AFTER, Long.toString(Math.max(1, retryAfter.toSeconds())));
        }
        if (challenge) {
            headers.add(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer");
        }
        Status body = Status.newBuilder().setCode(code.getNumber()).setMessage(message).build();
        return HttpResponse.of(headers.build(), HttpData.wrap(OtlpCodec.encode(body, encoding)));
    }
}
