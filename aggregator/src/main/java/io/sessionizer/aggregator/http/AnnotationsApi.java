package io.sessionizer.aggregator.http;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.AggregatedHttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.ServiceRequestContext;
import com.linecorp.armeria.server.annotation.Blocking;
import com.linecorp.armeria.server.annotation.Delete;
import com.linecorp.armeria.server.annotation.Param;
import com.linecorp.armeria.server.annotation.Post;
import io.sessionizer.aggregator.AggregatorSettings;
import io.sessionizer.auth.TenantAuthentication;
import io.sessionizer.schemas.Annotation;
import io.sessionizer.schemas.SessionAnnotation;
import io.sessionizer.schemas.records.RecordContract;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The write side of {@code /api/v1/sessions/{session_id}/annotations} (ANNOTATIONS.md, "REST"): POST adds an
 * annotation to a session or one of its turns, DELETE removes one, each as a {@link SessionAnnotation} on
 * {@code topic.annotations} that stage 2 folds into the session. The answer is 202 only once Kafka has stored the
 * record on every in-sync replica; when it cannot within {@code annotations.produce-timeout}, 503 with
 * {@code Retry-After}, never a success. An unknown session is accepted: its spans may not have arrived yet.
 *
 * <p>{@code send()} may block while the topic's metadata is missing, so the endpoints run on the blocking executor;
 * the wait for the acknowledgement does not hold a thread.
 *
 * <p>Every route of this class needs the {@code annotate} scope: {@link ApiScopes} tells them by this class, so a route
 * added or renamed here keeps it, and only writes routed here get it.
 */
public final class AnnotationsApi {
    private static final Logger LOG = LoggerFactory.getLogger(AnnotationsApi.class);
    /** Seconds a client should wait before writing again when Kafka did not store the annotation. */
    static final int RETRY_AFTER_SECONDS = 5;
    /** Room beyond the produce timeout for reading the request and answering, before Armeria's request timeout. */
    private static final Duration REQUEST_TIMEOUT_MARGIN = Duration.ofSeconds(5);

    private final AnnotationWriter writer;
    private final Duration produceTimeout;
    private final long maxBodyBytes;
    private final Clock clock;

    /**
     * @param produceTimeout how long a request waits for Kafka at most ({@code annotations.produce-timeout})
     * @param maxBodyBytes the largest POST body ({@code annotations.max-body-bytes}); larger ones are a 413
     */
    public AnnotationsApi(AnnotationWriter writer, Duration produceTimeout, long maxBodyBytes, Clock clock) {
        this.writer = writer;
        this.produceTimeout = produceTimeout;
        this.maxBodyBytes = maxBodyBytes;
        this.clock = clock;
    }

    /**
     * Serves this API on {@code builder}, with its body limit (a 413 in problem+json when passed) and a request timeout
     * that leaves the produce timeout its time.
     *
     * <p>The limit is checked here, not left to Armeria's {@code maxRequestLength}: a body Armeria refuses while
     * reading it is answered by the server's error handler, not in problem+json, and a service's own error handler
     * cannot render it (Armeria's {@code ServiceErrorHandler.orElse} drops {@code renderStatus}). Armeria's limit, at
     * twice ours, only bounds the memory of a body that declares no length.
     */
    public ServerBuilder addTo(ServerBuilder builder) {
        return builder.annotatedService()
                .maxRequestLength(2 * maxBodyBytes)
                .requestTimeout(produceTimeout.plus(REQUEST_TIMEOUT_MARGIN))
                // A declared length over the limit is answered before the body is read.
                .decorator(service -> service.decorate((delegate, ctx, req) ->
                        req.headers().contentLength() > maxBodyBytes ? tooLarge() : delegate.serve(ctx, req)))
                .build(this);
    }

    @Blocking
    @Post("/api/v1/sessions/{session_id}/annotations")
    public HttpResponse annotateSession(ServiceRequestContext ctx, @Param("session_id") String sessionId,
            AggregatedHttpRequest request) {
        return answer(() -> put(ctx, sessionId, null, request));
    }

    @Blocking
    @Post("/api/v1/sessions/{session_id}/turns/{trace_id}/annotations")
    public HttpResponse annotateTurn(ServiceRequestContext ctx, @Param("session_id") String sessionId,
            @Param("trace_id") String traceId, AggregatedHttpRequest request) {
        return answer(() -> put(ctx, sessionId, AnnotationRequests.traceId(traceId), request));
    }

    /**
     * The query form of the POSTs, for any session id (as {@code GET /api/v1/session} takes it); {@code trace_id}
     * annotates one of its turns.
     */
    @Blocking
    @Post("/api/v1/session/annotations")
    public HttpResponse annotateByQuery(ServiceRequestContext ctx,
            @Param(SessionsApi.SESSION_ID) Optional<String> sessionId,
            @Param(SessionsApi.SESSION_ID_BASE64) Optional<String> sessionIdBase64,
            @Param(AnnotationRequests.TRACE_ID) Optional<String> traceId, AggregatedHttpRequest request) {
        return answer(() -> put(ctx, querySessionId(sessionId, sessionIdBase64),
                traceId.isEmpty() ? null : AnnotationRequests.traceId(traceId.get()), request));
    }

    @Blocking
    @Delete("/api/v1/sessions/{session_id}/annotations/{annotation_id}")
    public HttpResponse deleteFromSession(ServiceRequestContext ctx, @Param("session_id") String sessionId,
            @Param("annotation_id") String annotationId) {
        return answer(() -> delete(ctx, sessionId, annotationId));
    }

    /** The same as {@link #deleteFromSession}: an annotation id is unique in its session; the turn is checked only. */
    @Blocking
    @Delete("/api/v1/sessions/{session_id}/turns/{trace_id}/annotations/{annotation_id}")
    public HttpResponse deleteFromTurn(ServiceRequestContext ctx, @Param("session_id") String sessionId,
            @Param("trace_id") String traceId, @Param("annotation_id") String annotationId) {
        return answer(() -> {
            AnnotationRequests.traceId(traceId);
            return delete(ctx, sessionId, annotationId);
        });
    }

    /** The query form of the DELETEs, for any session id. */
    @Blocking
    @Delete("/api/v1/session/annotations/{annotation_id}")
    public HttpResponse deleteByQuery(ServiceRequestContext ctx,
            @Param(SessionsApi.SESSION_ID) Optional<String> sessionId,
            @Param(SessionsApi.SESSION_ID_BASE64) Optional<String> sessionIdBase64,
            @Param("annotation_id") String annotationId) {
        return answer(() -> delete(ctx, querySessionId(sessionId, sessionIdBase64), annotationId));
    }

    private HttpResponse put(ServiceRequestContext ctx, String requestedId, String traceId,
            AggregatedHttpRequest request) {
        if (request.content().length() > maxBodyBytes) {
            return tooLarge(); // a body that declared no length
        }
        String tenant = TenantAuthentication.tenant(ctx);
        String sessionId = AnnotationRequests.sessionId(requestedId);
        Annotation annotation = AnnotationRequests.annotation(request.content().array(), tenant, sessionId, traceId,
                clock.instant());
        return write(tenant, sessionId, AnnotationRequests.put(tenant, sessionId, annotation));
    }

    private HttpResponse delete(ServiceRequestContext ctx, String requestedId, String annotationId) {
        String tenant = TenantAuthentication.tenant(ctx);
        String sessionId = AnnotationRequests.sessionId(requestedId);
        return write(tenant, sessionId,
                AnnotationRequests.delete(tenant, sessionId, AnnotationRequests.annotationId(annotationId)));
    }

    /** 202 once the record is stored; 503 on any failure, and when Kafka has not answered within the timeout. */
    private HttpResponse write(String tenant, String sessionId, SessionAnnotation record) {
        long started = System.nanoTime();
        CompletableFuture<?> stored = writer.write(RecordContract.sessionKey(tenant, sessionId), record);
        // send() may have blocked for metadata: the whole request waits no longer than the produce timeout.
        long leftMs = Math.max(1,
                produceTimeout.toMillis() - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
        return HttpResponse.of(stored.orTimeout(leftMs, TimeUnit.MILLISECONDS).handle((metadata, error) -> {
            if (error == null) {
                return accepted(record.getAnnotationId());
            }
            Throwable cause = error instanceof CompletionException && error.getCause() != null
                    ? error.getCause() : error;
            LOG.warn("Annotation {} of a session of tenant {} not stored in {}: {}", record.getAnnotationId(), tenant,
                    writer.topic(), cause.toString());
            return Problems.unavailable(cause instanceof TimeoutException
                    ? "Kafka did not store the annotation within " + AggregatorSettings.ANNOTATIONS_PRODUCE_TIMEOUT.name()
                            + " (" + produceTimeout + "); it may be unreachable: retry"
                    : "Kafka did not store the annotation (" + cause.getClass().getSimpleName() + "): retry",
                    RETRY_AFTER_SECONDS);
        }));
    }

    /** Runs a request; a bad body or parameter is a 400 naming it. */
    private static HttpResponse answer(Supplier<HttpResponse> request) {
        try {
            return request.get();
        } catch (InvalidFieldException e) {
            return e.field() == null ? Problems.of(HttpStatus.BAD_REQUEST, e.getMessage())
                    : Problems.badField(e.field(), e.getMessage());
        }
    }

    /** The session id of a query form, a fault in it named as {@code session_id}. */
    private static String querySessionId(Optional<String> plain, Optional<String> base64) {
        try {
            return SessionsApi.sessionId(plain, base64);
        } catch (IllegalArgumentException e) {
            throw new InvalidFieldException(SessionsApi.SESSION_ID, e.getMessage());
        }
    }

    private HttpResponse tooLarge() {
        return Problems.of(HttpStatus.REQUEST_ENTITY_TOO_LARGE, "The body is larger than "
                + AggregatorSettings.ANNOTATIONS_MAX_BODY.name() + " allows (" + maxBodyBytes + " bytes)");
    }

    private static HttpResponse accepted(String annotationId) {
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        body.put(AnnotationRequests.ANNOTATION_ID, annotationId);
        return HttpResponse.of(HttpStatus.ACCEPTED, MediaType.JSON_UTF_8, body.toString());
    }
}
