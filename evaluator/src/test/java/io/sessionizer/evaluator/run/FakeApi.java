package io.sessionizer.evaluator.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.sessionizer.evaluator.Sessions;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The sessions API as the evaluator sees it, in this JVM (the JDK's HTTP server): GET of a summary and of turn
 * pages, POSTs and DELETEs of annotations recorded, and a number of 503s with Retry-After to answer first.
 */
final class FakeApi implements AutoCloseable {
    /** One POST of an annotation. */
    record Post(String sessionId, String traceId, JsonNode body, String authorization) {
    }

    final Map<String, JsonNode> summaries = new ConcurrentHashMap<>();
    final Map<String, List<JsonNode>> turns = new ConcurrentHashMap<>();
    final List<Post> posts = new CopyOnWriteArrayList<>();
    /** The DELETEs: session id, a space, annotation id. */
    final List<String> deletes = new CopyOnWriteArrayList<>();
    final List<String> requests = new CopyOnWriteArrayList<>();
    final AtomicInteger unavailable = new AtomicInteger();
    volatile int refuseWith;
    volatile String retryAfter = "0";
    private final HttpServer server;

    FakeApi() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    void put(JsonNode summary, List<? extends JsonNode> sessionTurns) {
        summaries.put(summary.path("session_id").asText(), summary);
        turns.put(summary.path("session_id").asText(), List.copyOf(sessionTurns));
    }

    private void handle(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getRawPath();
        Map<String, String> query = query(exchange.getRequestURI().getRawQuery());
        requests.add(exchange.getRequestMethod() + " " + exchange.getRequestURI());
        if (unavailable.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            exchange.getResponseHeaders().add("Retry-After", retryAfter);
            answer(exchange, 503, "{\"detail\": \"rebalancing\"}");
            return;
        }
        String[] parts = path.split("/");
        // ["", "api", "v1", "sessions"|"session", id?, ...]
        boolean byQuery = parts[3].equals("session");
        String sessionId = byQuery ? (query.containsKey("session_id") ? query.get("session_id")
                : new String(Base64.getUrlDecoder().decode(query.get("session_id_base64")), StandardCharsets.UTF_8))
                : URLDecoder.decode(parts[4], StandardCharsets.UTF_8);
        List<String> rest = List.of(parts).subList(byQuery ? 4 : 5, parts.length);
        if (!exchange.getRequestMethod().equals("GET") && refuseWith != 0) {
            answer(exchange, refuseWith, "{\"detail\": \"refused\", \"field\": \"name\"}");
            return;
        }
        if (exchange.getRequestMethod().equals("POST")) {
            JsonNode body = Sessions.JSON.readTree(exchange.getRequestBody());
            String traceId = byQuery ? query.get("trace_id") : rest.size() == 3 ? rest.get(1) : null;
            posts.add(new Post(sessionId, traceId, body, exchange.getRequestHeaders().getFirst("Authorization")));
            answer(exchange, 202, "{\"annotation_id\": \"id-" + posts.size() + "\"}");
            return;
        }
        if (exchange.getRequestMethod().equals("DELETE")) {
            deletes.add(sessionId + " " + rest.get(rest.size() - 1));
            answer(exchange, 202, "{\"annotation_id\": \"" + rest.get(rest.size() - 1) + "\"}");
            return;
        }
        if (!summaries.containsKey(sessionId)) {
            answer(exchange, 404, "{\"detail\": \"No session\"}");
        } else if (rest.isEmpty()) {
            answer(exchange, 200, summaries.get(sessionId).toString());
        } else {
            int limit = Integer.parseInt(query.getOrDefault("limit", "50"));
            int from = Integer.parseInt(query.getOrDefault("cursor", "0"));
            List<JsonNode> all = turns.get(sessionId);
            ObjectNode page = Sessions.JSON.createObjectNode();
            ArrayNode items = page.putArray("turns");
            all.subList(from, Math.min(all.size(), from + limit)).forEach(items::add);
            page.put("next_cursor", from + limit < all.size() ? Integer.toString(from + limit) : null);
            answer(exchange, 200, page.toString());
        }
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> query = new HashMap<>();
        if (raw != null) {
            for (String pair : raw.split("&")) {
                int eq = pair.indexOf('=');
                query.put(pair.substring(0, eq), URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return query;
    }

    private static void answer(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
