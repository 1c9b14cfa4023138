package io.sessionizer.ingest.http;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.HttpService;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** {@code /healthz}, {@code /readyz} and {@code /metrics}: cheap answers that never wait for Kafka. */
public final class OpsServices {
    private static final MediaType PROMETHEUS_TEXT = MediaType.parse("text/plain; version=0.0.4; charset=utf-8");

    private OpsServices() {
    }

    /** Live while the process can answer at all. */
    public static HttpService health() {
        return (ctx, req) -> HttpResponse.of(HttpStatus.OK, MediaType.PLAIN_TEXT_UTF_8, "ok");
    }

    /** Ready while the background probe last reached Kafka; the body says why not otherwise. */
    public static HttpService readiness(BooleanSupplier ready, Supplier<String> problem) {
        return (ctx, req) -> ready.getAsBoolean()
                ? HttpResponse.of(HttpStatus.OK, MediaType.PLAIN_TEXT_UTF_8, "ready")
                : HttpResponse.of(HttpStatus.SERVICE_UNAVAILABLE, MediaType.PLAIN_TEXT_UTF_8,
                        "not ready: " + problem.get());
    }

    public static HttpService metrics(PrometheusMeterRegistry registry) {
        return (ctx, req) -> HttpResponse.of(HttpStatus.OK, PROMETHEUS_TEXT, registry.scrape());
    }
}
