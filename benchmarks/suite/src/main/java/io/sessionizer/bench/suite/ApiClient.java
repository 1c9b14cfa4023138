package io.sessionizer.bench.suite;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.client.WebClientBuilder;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.RequestHeadersBuilder;
import io.sessionizer.auth.PeerSignature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * Requests to one service on localhost: the aggregator's REST API (GETs, and POSTs of annotations), or a service's
 * {@code /readyz}.
 */
final class ApiClient {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final WebClient client;
    private final int port;
    private final PeerSignature peers;

    /**
     * @param tls the factory of a service serving TLS, trusting its certificate, asked over https; null for http
     * @param peers signs local-only requests as the aggregator instances do
     */
    ApiClient(int port, ClientFactory tls, PeerSignature peers) {
        this.port = port;
        this.peers = peers;
        WebClientBuilder builder = WebClient.builder((tls == null ? "http" : "https") + "://localhost:" + port)
                .responseTimeout(TIMEOUT);
        if (tls != null) {
            builder.factory(tls);
        }
        this.client = builder.build();
    }

    int port() {
        return port;
    }

    CompletableFuture<AggregatedHttpResponse> get(String path, boolean localOnly) {
        RequestHeadersBuilder headers = RequestHeaders.builder(HttpMethod.GET, path);
        if (localOnly) {
            // Answered from the asked instance's own stores only (404 when it does not own the session), which an
            // instance does only for a request signed as its peers sign them.
            headers.add(PeerSignature.LOCAL_HEADER, "1")
                    .add(PeerSignature.PEER_HEADER, peers.sign(HttpMethod.GET.name(), path, "1"));
        }
        return client.execute(headers.build()).aggregate();
    }

    CompletableFuture<AggregatedHttpResponse> post(String path, String json) {
        return client.execute(RequestHeaders.builder(HttpMethod.POST, path).contentType(MediaType.JSON_UTF_8).build(),
                json).aggregate();
    }

    AggregatedHttpResponse getNow(String path, boolean localOnly) {
        return get(path, localOnly).join();
    }

    /** The JSON of a 200 answer; fails on any other. */
    JsonNode json(String path, boolean localOnly) {
        AggregatedHttpResponse response = getNow(path, localOnly);
        if (response.status().code() != 200) {
            throw new IllegalStateException("GET " + path + " on port " + port + " answered " + response.status()
                    + ": " + response.contentUtf8());
        }
        return parse(response);
    }

    static JsonNode parse(AggregatedHttpResponse response) {
        try {
            return JSON.readTree(response.contentUtf8());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
