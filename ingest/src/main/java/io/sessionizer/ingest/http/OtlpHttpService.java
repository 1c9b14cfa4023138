package io.sessionizer.ingest.http;

import com.google.protobuf.Message;
import com.linecorp.armeria.common.AggregatedHttpRequest;
import com.linecorp.armeria.common.ContentTooLargeException;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.util.Exceptions;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.sessionizer.auth.TenantAuthentication;
import io.sessionizer.ingest.otlp.OtlpCodec;
import io.sessionizer.ingest.otlp.OtlpEncoding;
import io.sessionizer.ingest.otlp.OtlpFormatException;
import io.sessionizer.ingest.pipeline.ExportResult;
import io.sessionizer.ingest.pipeline.IngestException;
import io.sessionizer.ingest.pipeline.IngestMetrics;
import io.sessionizer.ingest.pipeline.IngestPipeline;
import io.sessionizer.ingest.pipeline.RejectReason;
import io.sessionizer.ingest.pipeline.Signal;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * OTLP/HTTP {@code POST /v1/traces} or {@code POST /v1/logs} (https://opentelemetry.io/docs/specs/otlp/#otlphttp):
 * protobuf or JSON, optionally gzip-compressed, answered in the request's encoding and only once Kafka has stored
 * the spans or log records.
 *
 * <p>The event loop only checks headers; decompression, decoding and the hand-over to the producer (which may
 * wait for Kafka metadata) run on the blocking task executor, and the answer is completed from the producer's
 * acknowledgement.
 */
public final class OtlpHttpService implements HttpService, TenantAuthentication.Rejection {
    private static final Logger LOG = LoggerFactory.getLogger(OtlpHttpService.class);

    private final Signal signal;
    private final IngestPipeline pipeline;
    private final IngestMetrics metrics;
    private final long maxBodyBytes;
    private final StatusResponses responses;

    /** The endpoint of {@code signal}: {@code /v1/traces} for traces, {@code /v1/logs} for logs. */
    public OtlpHttpService(Signal signal, IngestPipeline pipeline, IngestMetrics metrics, long maxBodyBytes,
            Duration retryAfter) {
        this.signal = signal;
        this.pipeline = pipeline;
        this.metrics = metrics;
        this.maxBodyBytes = maxBodyBytes;
        this.responses = new StatusResponses(retryAfter);
    }

    @Override
    public HttpResponse serve(ServiceRequestContext ctx, HttpRequest req) {
        Optional<OtlpEncoding> maybeEncoding = OtlpEncoding.forContentType(req.contentType());
        if (maybeEncoding.isEmpty()) {
            // Without a known encoding there is no OTLP form for the error, so it is plain text.
            metrics.rejected(signal, IngestMetrics.HTTP, RejectReason.UNSUPPORTED_MEDIA_TYPE, 0, 0);
            return HttpResponse.of(HttpStatus.UNSUPPORTED_MEDIA_TYPE, MediaType.PLAIN_TEXT_UTF_8,
                    "Unsupported Content-Type '%s': OTLP/HTTP takes application/x-protobuf or application/json",
                    req.headers().get(HttpHeaderNames.CONTENT_TYPE, ""));
        }
        OtlpEncoding encoding = maybeEncoding.get();
        String contentEncoding = req.headers().get(HttpHeaderNames.CONTENT_ENCODING);
        boolean gzip;
        if (contentEncoding == null || contentEncoding.isBlank()
                || contentEncoding.trim().equalsIgnoreCase("identity")) {
            gzip = false;
        } else if (contentEncoding.trim().toLowerCase(Locale.ROOT).matches("(x-)?gzip")) {
            gzip = true;
        } else {
            return reject(RejectReason.UNSUPPORTED_MEDIA_TYPE,
                    "Unsupported Content-Encoding '" + contentEncoding + "': only gzip is accepted", 0, encoding);
        }
        String tenant = TenantAuthentication.tenant(ctx);
        CompletableFuture<HttpResponse> response = req.aggregate()
                .thenComposeAsync(body -> store(body, encoding, gzip, tenant), ctx.blockingTaskExecutor())
                .exceptionally(error -> failure(error, encoding));
        return HttpResponse.of(response);
    }

    private CompletableFuture<HttpResponse> store(AggregatedHttpRequest aggregated, OtlpEncoding encoding,
            boolean gzip, String tenant) {
        // The server's maxRequestLength already bounds the body as sent; gzip is bounded while inflating.
        byte[] body = aggregated.content().array();
        long received = body.length;
        // The bytes as received are taken once, here; the export takes only the spans.
        Optional<IngestException> overRate = pipeline.acquireBytesRate(signal, received, tenant, IngestMetrics.HTTP);
        if (overRate.isPresent()) {
            // Refused before the work of gunzip and decoding; answered (and not counted again) by failure().
            return CompletableFuture.failedFuture(overRate.get());
        }
        long bytes = received;
        CompletableFuture<? extends Message> answer;
        try {
            if (gzip) {
                body = BoundedGzip.decompress(body, maxBodyBytes);
                bytes = body.length;
            }
            answer = export(body, encoding, received, bytes, tenant);
        } catch (OtlpFormatException e) {
            return CompletableFuture.completedFuture(reject(RejectReason.MALFORMED, e.getMessage(), bytes, encoding));
        } catch (IngestException e) {
            return CompletableFuture.completedFuture(reject(e.reason(), e.getMessage(), bytes, encoding));
        }
        return answer.thenApply(response -> HttpResponse.of(HttpStatus.OK, encoding.mediaType(),
                HttpData.wrap(OtlpCodec.encode(response, encoding))));
    }

    /** Decodes the body (throwing {@link OtlpFormatException}) and hands it to the pipeline; the OTLP answer. */
    private CompletableFuture<? extends Message> export(byte[] body, OtlpEncoding encoding, long received, long bytes,
            String tenant) {
        return switch (signal) {
            case TRACES -> pipeline.export(OtlpCodec.decode(body, encoding), received, bytes, tenant,
                    IngestMetrics.HTTP).thenApply(ExportResult::toResponse);
            case LOGS -> pipeline.exportLogs(OtlpCodec.decodeLogs(body, encoding), received, bytes, tenant,
                    IngestMetrics.HTTP).thenApply(ExportResult::toLogsResponse);
        };
    }

    /**
     * 401 in the request's encoding (protobuf when it names none): the rejection of OTLP/HTTP.
     */
    @Override
    public HttpResponse unauthenticated(ServiceRequestContext ctx, HttpRequest req, String authorization) {
        OtlpEncoding encoding = OtlpEncoding.forContentType(req.contentType()).orElse(OtlpEncoding.PROTOBUF);
        return reject(RejectReason.UNAUTHENTICATED, "Missing or unknown API key: send 'Authorization: Bearer <key>'",
                0, encoding);
    }

    /** 403 in the request's encoding, for a key without the {@code ingest} scope. */
    @Override
    public HttpResponse forbidden(ServiceRequestContext ctx, HttpRequest req, String detail) {
        OtlpEncoding encoding = OtlpEncoding.forContentType(req.contentType()).orElse(OtlpEncoding.PROTOBUF);
        return reject(RejectReason.FORBIDDEN, detail, 0, encoding);
    }

    /** Refused before the pipeline: count it here. */
    private HttpResponse reject(RejectReason reason, String message, long bytes, OtlpEncoding encoding) {
        metrics.rejected(signal, IngestMetrics.HTTP, reason, bytes, 0);
        LOG.debug("Rejected an OTLP/HTTP request ({}): {}", reason.tag(), message);
        return responses.reject(reason, message, encoding);
    }

    /** Refused by the pipeline, which has already counted it, or by Armeria's body limit. */
    private HttpResponse failure(Throwable error, OtlpEncoding encoding) {
        Throwable cause = Exceptions.peel(error);
        if (cause instanceof IngestException e) {
            LOG.debug("Refused an OTLP/HTTP request ({}): {}", e.reason().tag(), e.getMessage());
            return responses.reject(e.reason(), e.getMessage(), encoding, e.retryAfter());
        }
        if (cause instanceof ContentTooLargeException) {
            // Armeria has already answered 413; this only counts the rejection.
            return reject(RejectReason.TOO_LARGE,
                    "Request body exceeds the limit of " + maxBodyBytes + " bytes", maxBodyBytes, encoding);
        }
        LOG.warn("Failed to handle an OTLP/HTTP request", cause);
        return responses.internalError(encoding);
    }
}
