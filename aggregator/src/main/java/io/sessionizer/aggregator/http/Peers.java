package io.sessionizer.aggregator.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.RequestHeadersBuilder;
import com.linecorp.armeria.common.util.Exceptions;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.sessionizer.aggregator.query.Instance;
import io.sessionizer.aggregator.query.StateUnavailableException;
import io.sessionizer.auth.PeerSignature;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Asks the other instances of the application ({@code application.server}): a request for a session another instance
 * keeps is forwarded to it, and lists and totals gather every instance's part, asked in parallel. A request that
 * carries {@value PeerSignature#LOCAL_HEADER} is answered from the receiving instance's own stores, so that it never
 * travels further: any value but {@value #STANDBY} reads its active tasks, {@value #STANDBY} its standby copy of the
 * session's partition. The header counts only with a valid {@value PeerSignature#PEER_HEADER} signature
 * ({@link PeerCheck}), which every request of this class carries. The caller's {@code Authorization} goes along: every instance checks the
 * key itself. With TLS on, the others are asked over https.
 */
final class Peers {
    static final String STANDBY = "standby";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Map<Instance, WebClient> clients = new ConcurrentHashMap<>();
    private final ClientFactory factory;
    private final String scheme;
    private final PeerSignature signature;

    /**
     * @param factory the client factory of calls to the other instances (their TLS trust and this one's certificate)
     * @param scheme {@code http} or {@code https}, as every instance of the deployment listens
     */
    Peers(ClientFactory factory, String scheme, PeerSignature signature) {
        this.factory = factory;
        this.scheme = scheme;
        this.signature = signature;
    }

    /** How a request is to be answered. */
    enum Scope {
        /** From wherever the data is: this instance, the others, or their standbys. */
        ANY,
        /** From this instance's active tasks only. */
        LOCAL,
        /** From this instance's standby copy of the session's partition. */
        LOCAL_STANDBY
    }

    static Scope scope(ServiceRequestContext ctx) {
        String local = ctx.request().headers().get(PeerSignature.LOCAL_HEADER);
        return local == null ? Scope.ANY : STANDBY.equals(local) ? Scope.LOCAL_STANDBY : Scope.LOCAL;
    }

    /**
     * The answer of the instance that keeps a session to the same request, as it is (its 404 included).
     *
     * @param standby ask for its standby copy
     * @throws StateUnavailableException when it cannot be reached or cannot answer right now (503)
     * @throws PeerException when it refuses the signed request (403): the instances do not share a secret
     */
    HttpResponse forward(Instance host, ServiceRequestContext ctx, boolean standby) {
        try {
            return checked(host, ask(host, ctx, standby ? STANDBY : "1").join()).toHttpResponse();
        } catch (CompletionException e) {
            throw unreachable(host, e);
        }
    }

    /** Asks every given instance for its part of a list or of the totals, for the same request, in parallel. */
    Pending ask(List<Instance> hosts, ServiceRequestContext ctx) {
        List<CompletableFuture<AggregatedHttpResponse>> pending = new ArrayList<>();
        hosts.forEach(host -> pending.add(ask(host, ctx, "1")));
        return new Pending(hosts, pending);
    }

    /** The parts being asked for. */
    record Pending(List<Instance> hosts, List<CompletableFuture<AggregatedHttpResponse>> responses) {
        /**
         * Waits for every part.
         *
         * @throws StateUnavailableException when an instance cannot be reached or cannot answer right now
         */
        List<JsonNode> join() {
            List<JsonNode> parts = new ArrayList<>();
            for (int i = 0; i < hosts.size(); i++) {
                Instance host = hosts.get(i);
                AggregatedHttpResponse response;
                try {
                    response = checked(host, responses.get(i).join());
                } catch (CompletionException e) {
                    throw unreachable(host, e);
                }
                if (!response.status().equals(HttpStatus.OK)) {
                    throw new PeerException("Instance " + host + " answered " + response.status(), null);
                }
                try {
                    parts.add(JSON.readTree(response.contentUtf8()));
                } catch (IOException e) {
                    throw new PeerException("Instance " + host + " answered invalid JSON", e);
                }
            }
            return parts;
        }
    }

    private CompletableFuture<AggregatedHttpResponse> ask(Instance host, ServiceRequestContext ctx, String scope) {
        WebClient client = clients.computeIfAbsent(host,
                h -> WebClient.builder(scheme + "://" + h.host() + ":" + h.port()).factory(factory).build());
        String pathAndQuery = PeerSignature.target(ctx.path(), ctx.query());
        RequestHeadersBuilder headers = RequestHeaders.builder(HttpMethod.GET, pathAndQuery)
                .add(PeerSignature.LOCAL_HEADER, scope)
                .add(PeerSignature.PEER_HEADER, signature.sign(HttpMethod.GET.name(), pathAndQuery, scope));
        String authorization = ctx.request().headers().get(HttpHeaderNames.AUTHORIZATION);
        if (authorization != null) {
            headers.add(HttpHeaderNames.AUTHORIZATION, authorization);
        }
        return client.execute(headers.build()).aggregate();
    }

    private static AggregatedHttpResponse checked(Instance host, AggregatedHttpResponse response) {
        if (response.status().equals(HttpStatus.SERVICE_UNAVAILABLE)) {
            throw new StateUnavailableException("Instance " + host + " is not queryable right now", null);
        }
        if (response.status().equals(HttpStatus.FORBIDDEN)) {
            // This instance already accepted the caller's key: the other refused the signature of the forwarded
            // request, not the caller. Passed on as is, it would read as the caller's key lacking a scope.
            throw new PeerException("Instance " + host + " refused this instance's signed request (403): set the same"
                    + " api.cursor-secret on every instance", null);
        }
        return response;
    }

    /** An instance that cannot be reached is treated like one that is rebalancing: ask again shortly. */
    private static StateUnavailableException unreachable(Instance host, CompletionException e) {
        Throwable cause = Exceptions.peel(e);
        if (cause instanceof StateUnavailableException unavailable) {
            return unavailable;
        }
        return new StateUnavailableException("Instance " + host + " cannot be reached: " + cause, e);
    }

    /** Another instance answered something this one cannot use: a 502 for the caller, not a 500. */
    static final class PeerException extends RuntimeException {
        PeerException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
