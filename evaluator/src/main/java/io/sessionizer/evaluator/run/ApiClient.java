package io.sessionizer.evaluator.run;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sessionizer.evaluator.AnnotatorKind;
import io.sessionizer.evaluator.SessionView;
import io.sessionizer.evaluator.TurnView;
import io.sessionizer.evaluator.Verdict;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import javax.net.ssl.SSLContext;

/**
 * The evaluator's client of the aggregator's REST API (DESIGN.md, "REST API"): reads a session's summary and every page
 * of its turns, writes a verdict as an annotation, and deletes one that no longer holds. A request answered 503, 429,
 * 502 or 504, or not answered, is sent again after the {@code Retry-After} the answer gives (else a doubling backoff),
 * until the retry time runs out ({@link ApiUnavailableException}).
 *
 * <p>A session id that a path segment cannot carry ({@code /}, {@code ?}, {@code %}, {@code #}, {@code .},
 * {@code ..}, {@code facets}, control characters) goes through the query forms, as base64url of its UTF-8:
 * {@code GET /api/v1/session?session_id_base64=},
 * {@code POST /api/v1/session/annotations?session_id_base64=&trace_id=},
 * {@code DELETE /api/v1/session/annotations/{annotation_id}?session_id_base64=}.
 */
final class ApiClient implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Answers that mean "not now": the instance is rebalancing or restoring, or a peer or Kafka is down. */
    private static final Set<Integer> RETRYABLE = Set.of(429, 502, 503, 504);
    private static final int TURNS_PAGE = 500;
    private static final Duration FIRST_BACKOFF = Duration.ofMillis(200);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(10);
    /** A Retry-After longer than this is taken as this: a misconfigured server must not park the evaluator. */
    private static final Duration MAX_RETRY_AFTER = Duration.ofSeconds(60);
    private static final Duration SLEEP_STEP = Duration.ofMillis(100);

    private final String baseUrl;
    private final String authorization;
    private final Duration requestTimeout;
    private final Duration retryFor;
    private final HttpClient http;
    private volatile boolean closed;

    /**
     * @param baseUrl such as {@code http://localhost:8080}
     * @param apiKey sent as a bearer token; null or empty sends none
     */
    ApiClient(String baseUrl, String apiKey, Duration requestTimeout, Duration retryFor) {
        this(baseUrl, apiKey, requestTimeout, retryFor, null);
    }

    /** @param tls the TLS of an https base URL (its trust); null for the JVM's default */
    ApiClient(String baseUrl, String apiKey, Duration requestTimeout, Duration retryFor, SSLContext tls) {
        this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        URI.create(this.baseUrl);
        this.authorization = apiKey == null || apiKey.isEmpty() ? null : "Bearer " + apiKey;
        this.requestTimeout = requestTimeout;
        this.retryFor = retryFor;
        HttpClient.Builder http = HttpClient.newBuilder().connectTimeout(requestTimeout);
        if (tls != null) {
            http.sslContext(tls);
        }
        this.http = http.build();
    }

    /** The session's summary; empty when the API does not know it (expired, or never seen by this tenant). */
    Optional<SessionView> session(String tenant, String sessionId) {
        String path = pathSafe(sessionId) ? "/api/v1/sessions/" + segment(sessionId)
                : "/api/v1/session?session_id_base64=" + base64(sessionId);
        return get(path).map(json -> SessionView.of(tenant, json));
    }

    /** Every turn of the session, oldest first, through all pages; empty when the API does not know the session. */
    Optional<List<TurnView>> turns(String sessionId) {
        String first = pathSafe(sessionId) ? "/api/v1/sessions/" + segment(sessionId) + "/turns?limit=" + TURNS_PAGE
                : "/api/v1/session/turns?session_id_base64=" + base64(sessionId) + "&limit=" + TURNS_PAGE;
        List<TurnView> turns = new ArrayList<>();
        String cursor = null;
        do {
            Optional<JsonNode> page = get(cursor == null ? first : first + "&cursor=" + query(cursor));
            if (page.isEmpty()) {
                return Optional.empty();
            }
            page.get().path("turns").forEach(turn -> turns.add(TurnView.of(turn)));
            JsonNode next = page.get().path("next_cursor");
            cursor = next.isTextual() && !next.asText().isEmpty() ? next.asText() : null;
        } while (cursor != null);
        return Optional.of(turns);
    }

    /**
     * Writes {@code verdict} as an annotation of the session or of its turn, and returns its annotation id.
     *
     * @throws ApiException when the API refuses it (400, 413, 401, 403)
     */
    String write(String sessionId, Verdict verdict, AnnotatorKind kind, String identifier) {
        String path = pathSafe(sessionId)
                ? "/api/v1/sessions/" + segment(sessionId)
                        + (verdict.onSession() ? "" : "/turns/" + verdict.traceId()) + "/annotations"
                : "/api/v1/session/annotations?session_id_base64=" + base64(sessionId)
                        + (verdict.onSession() ? "" : "&trace_id=" + verdict.traceId());
        HttpResponse<String> response = send(request(path)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body(verdict, kind, identifier))), path);
        if (response.statusCode() / 100 != 2) {
            throw refused("POST", path, response);
        }
        return json(response.body(), path).path("annotation_id").asText(null);
    }

    /**
     * Deletes the annotation {@code annotationId} of the turn {@code traceId}; one the API no longer has (404) is
     * gone already.
     *
     * @throws ApiException when the API refuses it
     */
    void delete(String sessionId, String traceId, String annotationId) {
        String path = pathSafe(sessionId)
                ? "/api/v1/sessions/" + segment(sessionId) + "/turns/" + traceId + "/annotations/"
                        + segment(annotationId)
                : "/api/v1/session/annotations/" + segment(annotationId) + "?session_id_base64=" + base64(sessionId);
        HttpResponse<String> response = send(request(path).DELETE(), path);
        if (response.statusCode() / 100 != 2 && response.statusCode() != 404) {
            throw refused("DELETE", path, response);
        }
    }

    /** The annotation body of the contract; absent fields are left out, not sent as null. */
    static String body(Verdict verdict, AnnotatorKind kind, String identifier) {
        ObjectNode body = JSON.createObjectNode();
        body.put("name", verdict.name());
        if (verdict.label() != null) {
            body.put("label", verdict.label());
        }
        if (verdict.score() != null) {
            body.put("score", verdict.score());
        }
        if (verdict.explanation() != null) {
            body.put("explanation", verdict.explanation());
        }
        body.put("annotator_kind", kind.name());
        body.put("identifier", identifier);
        if (verdict.metadata() != null) {
            body.set("metadata", JSON.valueToTree(verdict.metadata()));
        }
        return body.toString();
    }

    private Optional<JsonNode> get(String path) {
        HttpResponse<String> response = send(request(path).GET(), path);
        if (response.statusCode() == 404) {
            return Optional.empty();
        }
        if (response.statusCode() != 200) {
            throw refused("GET", path, response);
        }
        return Optional.of(json(response.body(), path));
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(requestTimeout);
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return request;
    }

    /** Sends until an answer that is not "not now", or until the retry time is over. */
    private HttpResponse<String> send(HttpRequest.Builder builder, String path) {
        HttpRequest request = builder.build();
        long deadline = System.nanoTime() + retryFor.toNanos();
        Duration backoff = FIRST_BACKOFF;
        while (true) {
            Duration wait;
            String failure;
            IOException cause = null;
            try {
                HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
                if (!RETRYABLE.contains(response.statusCode())) {
                    return response;
                }
                wait = retryAfter(response).orElse(backoff);
                failure = request.method() + " " + path + " answered " + response.statusCode();
            } catch (IOException e) {
                wait = backoff;
                failure = request.method() + " " + path + " failed: " + e;
                cause = e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ApiUnavailableException(request.method() + " " + path + " interrupted", e);
            }
            if (closed || System.nanoTime() + wait.toNanos() - deadline > 0) {
                throw new ApiUnavailableException(failure + (closed ? "; closing" : "; gave up after " + retryFor),
                        cause);
            }
            sleep(wait);
            backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
        }
    }

    /** Retry-After in seconds (the form the API sends); an HTTP date is not parsed and the backoff is used. */
    static Optional<Duration> retryAfter(HttpResponse<?> response) {
        return response.headers().firstValue("Retry-After").flatMap(value -> {
            try {
                long seconds = Long.parseLong(value.trim());
                Duration wait = Duration.ofSeconds(Math.max(0, seconds));
                return Optional.of(wait.compareTo(MAX_RETRY_AFTER) > 0 ? MAX_RETRY_AFTER : wait);
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        });
    }

    private void sleep(Duration wait) {
        long until = System.nanoTime() + wait.toNanos();
        try {
            while (!closed && until - System.nanoTime() > 0) {
                Thread.sleep(Math.min(SLEEP_STEP.toMillis(), Math.max(1, (until - System.nanoTime()) / 1_000_000)));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static ApiException refused(String method, String path, HttpResponse<String> response) {
        String detail = response.body();
        try {
            JsonNode problem = JSON.readTree(response.body());
            if (problem.path("detail").isTextual()) {
                detail = problem.path("detail").asText();
            }
        } catch (JsonProcessingException e) {
            // not problem+json: the body as it is
        }
        return new ApiException(response.statusCode(), method + " " + path + " answered " + response.statusCode()
                + ": " + detail);
    }

    private static JsonNode json(String body, String path) {
        try {
            return JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw new ApiException(200, "The answer to " + path + " is not JSON: " + e.getOriginalMessage());
        }
    }

    /** True when {@code /api/v1/sessions/{id}} reaches the session: see SessionsApi's query forms. */
    static boolean pathSafe(String sessionId) {
        if (sessionId.isEmpty() || sessionId.equals(".") || sessionId.equals("..") || sessionId.equals("facets")) {
            return false;
        }
        for (int i = 0; i < sessionId.length(); i++) {
            char c = sessionId.charAt(i);
            if (c == '/' || c == '?' || c == '%' || c == '#' || c == '\\' || Character.isISOControl(c)) {
                return false;
            }
        }
        return true;
    }

    private static String segment(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String query(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    private static String base64(String value) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(value.getBytes(StandardCharsets.UTF_8));
    }

    /** Ends any retry at once: a request waiting to be sent again fails with {@link ApiUnavailableException}. */
    @Override
    public void close() {
        closed = true;
    }
}
