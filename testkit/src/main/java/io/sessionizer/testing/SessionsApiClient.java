package io.sessionizer.testing;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import javax.net.ssl.SSLContext;

/**
 * The one client of the sessions API in tests: GETs against a base URL, with an optional API key and extra headers;
 * typed methods for the endpoints the tests read, each failing unless the answer is 200.
 */
public final class SessionsApiClient {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private final String baseUrl;
    private final Map<String, String> headers;
    private final Duration timeout;
    private final HttpClient http;

    private SessionsApiClient(String baseUrl, Map<String, String> headers, Duration timeout, HttpClient http) {
        this.baseUrl = baseUrl;
        this.headers = headers;
        this.timeout = timeout;
        this.http = http;
    }

    /** The API at {@code baseUrl}, such as {@code http://localhost:8080}, without a trailing slash. */
    public static SessionsApiClient of(String baseUrl) {
        return new SessionsApiClient(baseUrl, Map.of(), Duration.ofSeconds(30), HTTP);
    }

    public static SessionsApiClient of(int port) {
        return of("http://localhost:" + port);
    }

    /** The same API, with the key in {@code Authorization: Bearer}; {@code null} sends no key. */
    public SessionsApiClient withApiKey(String apiKey) {
        return apiKey == null ? this : withHeader("Authorization", "Bearer " + apiKey);
    }

    public SessionsApiClient withHeader(String name, String value) {
        Map<String, String> more = new LinkedHashMap<>(headers);
        more.put(name, value);
        return new SessionsApiClient(baseUrl, Map.copyOf(more), timeout, http);
    }

    /** The same API, giving up on an answer after {@code timeout} (30 s unless set). */
    public SessionsApiClient withTimeout(Duration timeout) {
        return new SessionsApiClient(baseUrl, headers, timeout, http);
    }

    /** The same API over HTTPS, trusting what {@code sslContext} trusts (e.g. the test CA of TestCertificates). */
    public SessionsApiClient withSslContext(SSLContext sslContext) {
        return new SessionsApiClient(baseUrl, headers, timeout, HttpClient.newBuilder().sslContext(sslContext).build());
    }

    /** A GET of {@code path} (with its query), whatever the answer. */
    public Response get(String path) {
        return send("GET", path, HttpRequest.BodyPublishers.noBody());
    }

    /** A POST of {@code json} ({@code application/json}) to {@code path}, whatever the answer. */
    public Response post(String path, String json) {
        return send("POST", path, HttpRequest.BodyPublishers.ofString(json));
    }

    /** A DELETE of {@code path}, whatever the answer. */
    public Response delete(String path) {
        return send("DELETE", path, HttpRequest.BodyPublishers.noBody());
    }

    private Response send(String method, String path, HttpRequest.BodyPublisher body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(timeout)
                .method(method, body);
        if (method.equals("POST")) {
            request.header("Content-Type", "application/json");
        }
        headers.forEach(request::header);
        try {
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return new Response(path, response.statusCode(), response.headers(), response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted during " + method + " " + path, e);
        }
    }

    /** The JSON body of a GET of {@code path}, which must answer 200. */
    public JsonNode json(String path) {
        return get(path).ok().json();
    }

    /** {@code GET /api/v1/sessions} with query parameters such as {@code q}, {@code limit} and {@code cursor}. */
    public JsonNode sessions(Map<String, String> query) {
        return json("/api/v1/sessions" + query(query));
    }

    /** The sessions whose inputs or outputs hold the words of {@code q}. */
    public JsonNode search(String q) {
        return sessions(Map.of("q", q));
    }

    /** One session's summary, by the {@code session_id} query form that takes any id. */
    public JsonNode session(String sessionId) {
        return json("/api/v1/session" + query(Map.of("session_id", sessionId)));
    }

    /** One session's turns, by the {@code session_id} query form, with more parameters such as {@code limit}. */
    public JsonNode turns(String sessionId, Map<String, String> query) {
        Map<String, String> all = new LinkedHashMap<>();
        all.put("session_id", sessionId);
        all.putAll(query);
        return json("/api/v1/session/turns" + query(all));
    }

    /**
     * The {@code totals} of {@code GET /api/v1/stats} with the query parameters given (filters such as
     * {@code project}); {@link #json} of the path has the buckets too.
     */
    public JsonNode stats(Map<String, String> query) {
        return json("/api/v1/stats" + query(query)).path("totals");
    }

    private static String query(Map<String, String> parameters) {
        return parameters.isEmpty() ? "" : parameters.entrySet().stream()
                .map(e -> e.getKey() + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&", "?", ""));
    }

    /** An answer: status, headers and body. */
    public record Response(String path, int statusCode, HttpHeaders headers, String body) {
        public Optional<String> header(String name) {
            return headers.firstValue(name);
        }

        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (JsonProcessingException e) {
                throw new AssertionError("GET " + path + " answered no JSON: " + body, e);
            }
        }

        /** This answer, which must be a 200. */
        public Response ok() {
            if (statusCode != 200) {
                throw new AssertionError("GET " + path + " answered " + statusCode + ": " + body);
            }
            return this;
        }
    }
}
