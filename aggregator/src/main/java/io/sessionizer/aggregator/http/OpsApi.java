package io.sessionizer.aggregator.http;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.annotation.Get;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.sessionizer.aggregator.query.SessionQueryService;

/** Liveness, readiness and Prometheus metrics. */
public final class OpsApi {
    private static final MediaType PROMETHEUS_TEXT = MediaType.parse("text/plain; version=0.0.4; charset=utf-8");

    private final SessionQueryService sessions;
    private final PrometheusMeterRegistry registry;

    public OpsApi(SessionQueryService sessions, PrometheusMeterRegistry registry) {
        this.sessions = sessions;
        this.registry = registry;
    }

    @Get("/healthz")
    public HttpResponse health() {
        return HttpResponse.of(HttpStatus.OK, MediaType.PLAIN_TEXT_UTF_8, "ok");
    }

    /** Ready only when queries can be answered: not while restoring state or rebalancing. */
    @Get("/readyz")
    public HttpResponse ready() {
        return sessions.isReady()
                ? HttpResponse.of(HttpStatus.OK, MediaType.PLAIN_TEXT_UTF_8, "ready")
                : Problems.unavailable("State stores are not queryable yet (starting, restoring or rebalancing)");
    }

    @Get("/metrics")
    public HttpResponse metrics() {
        return HttpResponse.of(HttpStatus.OK, PROMETHEUS_TEXT, registry.scrape());
    }
}
