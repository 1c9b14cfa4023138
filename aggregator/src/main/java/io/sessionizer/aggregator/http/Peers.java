package io.sessionizer.aggregator.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.sessionizer.aggregator.query.StateUnavailableException;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.streams.state.HostInfo;

/**
 * Asks the other instances of the application ({@code application.server}): a request for a session another instance
 * owns is forwarded to it, and lists and totals gather every instance's part. A request that carries
 * {@value #LOCAL_HEADER} is answered from the receiving instance's own stores, so that it never travels further.
 */
final class Peers {
    static final String LOCAL_HEADER = "x-sessionizer-local";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Map<HostInfo, WebClient> clients = new ConcurrentHashMap<>();

    static boolean isLocalOnly(ServiceRequestContext ctx) {
        return ctx.request().headers().contains(LOCAL_HEADER);
    }

    /** The owner's answer to the same request, as it is (its 404 included). */
    HttpResponse forward(HostInfo owner, ServiceRequestContext ctx) {
        return get(owner, ctx).toHttpResponse();
    }

    /** Another instance's part of a list or of the totals, for the same request. */
    JsonNode part(HostInfo peer, ServiceRequestContext ctx) {
        AggregatedHttpResponse response = get(peer, ctx);
        if (response.status().equals(HttpStatus.SERVICE_UNAVAILABLE)) {
            throw new StateUnavailableException("Instance " + peer + " is not queryable right now", null);
        }
        if (!response.status().equals(HttpStatus.OK)) {
            throw new IllegalStateException("Instance " + peer + " answered " + response.status());
        }
        try {
            return JSON.readTree(response.contentUtf8());
        } catch (IOException e) {
            throw new IllegalStateException("Instance " + peer + " answered invalid JSON", e);
        }
    }

    /** Blocks: callers run on the blocking executor. An instance that cannot be reached is treated as rebalancing. */
    private AggregatedHttpResponse get(HostInfo peer, ServiceRequestContext ctx) {
        WebClient client = clients.computeIfAbsent(peer,
                p -> WebClient.of("http://" + p.host() + ":" + p.port()));
        String query = ctx.query();
        RequestHeaders headers = RequestHeaders.builder(HttpMethod.GET, ctx.path() + (query == null ? "" : "?" + query))
                .add(LOCAL_HEADER, "1")
                .build();
        try {
            return client.execute(headers).aggregate().join();
        } catch (CompletionException e) {
            throw new StateUnavailableException("Instance " + peer + " cannot be reached: " + e.getCause(), e);
        }
    }
}
