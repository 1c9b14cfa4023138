package io.sessionizer.health;

import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.healthcheck.HealthCheckService;
import com.linecorp.armeria.server.healthcheck.HealthChecker;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.function.Supplier;

/**
 * The operational endpoints of both services: {@code /healthz} (200 while the process answers), {@code /readyz}
 * (Armeria's {@link HealthCheckService} over the service's readiness checkers, which also turns unready once the
 * server starts shutting down) and {@code /metrics} (Prometheus text). None of them waits for Kafka.
 */
public final class OpsEndpoints {
    private static final MediaType PROMETHEUS_TEXT = MediaType.parse("text/plain; version=0.0.4; charset=utf-8");

    private OpsEndpoints() {
    }

    /**
     * Adds the three endpoints to a server.
     *
     * @param notReady the answer of {@code /readyz} while a checker fails or the server shuts down, which says why:
     *     a fixed unhealthy answer of {@link HealthCheckService} could not
     */
    public static ServerBuilder addTo(ServerBuilder server, PrometheusMeterRegistry registry,
            Supplier<HttpResponse> notReady, HealthChecker... readiness) {
        HealthCheckService checks = HealthCheckService.builder()
                .checkers(readiness)
                // Plain checkers are asked on each request; long polling would need ListenableHealthCheckers.
                .longPolling(0)
                .healthyResponse(AggregatedHttpResponse.of(HttpStatus.OK, MediaType.PLAIN_TEXT_UTF_8, "ready"))
                .build();
        return server
                .route().get("/healthz")
                .build((ctx, req) -> HttpResponse.of(HttpStatus.OK, MediaType.PLAIN_TEXT_UTF_8, "ok"))
                .service("/readyz", checks.decorate((delegate, ctx, req) -> HttpResponse.of(
                        delegate.serve(ctx, req).aggregate().thenApply(answer ->
                                answer.status().equals(HttpStatus.SERVICE_UNAVAILABLE)
                                        ? notReady.get() : answer.toHttpResponse()))))
                .route().get("/metrics")
                .build((ctx, req) -> HttpResponse.of(HttpStatus.OK, PROMETHEUS_TEXT, registry.scrape()));
    }
}
