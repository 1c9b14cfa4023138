package io.sessionizer.aggregator.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.ServiceRequestContext;
import com.linecorp.armeria.server.annotation.Blocking;
import com.linecorp.armeria.server.annotation.Get;
import com.linecorp.armeria.server.annotation.Param;
import io.sessionizer.aggregator.domain.TurnLimits;
import io.sessionizer.aggregator.index.IndexUnavailableException;
import io.sessionizer.aggregator.query.InvalidParameterException;
import io.sessionizer.aggregator.query.SessionIndexSearch;
import io.sessionizer.aggregator.query.SessionQuery;
import io.sessionizer.aggregator.query.Instance;
import io.sessionizer.aggregator.query.Route;
import io.sessionizer.aggregator.query.SessionQueryService;
import io.sessionizer.aggregator.query.SessionReader;
import io.sessionizer.aggregator.query.StateUnavailableException;
import io.sessionizer.aggregator.query.StatsWindow;
import io.sessionizer.auth.PeerSignature;
import io.sessionizer.auth.TenantAuthentication;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * {@code /api/v1/sessions}, {@code /api/v1/session} and {@code /api/v1/stats}: typed endpoints over the session stores
 * (DESIGN.md, "REST API"), for the tenant of the request's API key. One session is asked for by path
 * ({@code /api/v1/sessions/{id}}) or, for any id whatever its characters, by query
 * ({@code /api/v1/session?session_id=}); an id longer than {@link TurnLimits#MAX_SESSION_ID_CHARS} is looked up as
 * the topology stored it, cut. A session another instance keeps is forwarded to it; lists and totals gather every
 * instance's part. RocksDB reads and the calls to other instances block, so every endpoint runs on Armeria's blocking
 * executor.
 */
public final class SessionsApi {
    static final int DEFAULT_LIMIT = 50;
    static final int MAX_LIMIT = 500;
    /** Set to {@code standby} on an answer read from a standby copy, which may lag behind the active instance. */
    static final String REPLICA_HEADER = "x-sessionizer-replica";
    static final String SESSION_ID = "session_id";
    static final String SESSION_ID_BASE64 = "session_id_base64";
    /** Values a facet answers. */
    static final int FACET_VALUES = 20;
    static final List<String> FACET_FIELDS = List.of("project", "model", "user_id", "status", "tag");

    private final SessionQueryService sessions;
    private final Cursors cursors;
    private final Peers peers;

    /**
     * @param cursors signs and checks the pages' cursors; every instance of a deployment must use the same secret
     * @param peerSignature signs the requests to the other instances ({@link Cursors#peerSignature()}, the one
     *     {@link PeerCheck} checks with)
     * @param peerFactory the client factory of the calls to the other instances
     * @param peerScheme {@code https} when the instances serve TLS, else {@code http}
     */
    public SessionsApi(SessionQueryService sessions, Cursors cursors, PeerSignature peerSignature,
            ClientFactory peerFactory, String peerScheme) {
        this.sessions = sessions;
        this.cursors = cursors;
        this.peers = new Peers(peerFactory, peerScheme, peerSignature);
    }

    @Blocking
    @Get("/api/v1/sessions")
    public HttpResponse list(ServiceRequestContext ctx) {
        return answer(() -> {
            String tenant = TenantAuthentication.tenant(ctx);
            Map<String, List<String>> params = params(ctx);
            SessionQuery query = SessionQuery.parse(params, Set.of("limit", "cursor"));
            int max = limit(Optional.ofNullable(SessionQuery.single(params, "limit")));
            byte[] cursor = cursors.decode(Cursors.Kind.SESSIONS, tenant, SessionQuery.single(params, "cursor"));
            SessionIndexSearch.Position after = cursor == null ? null
                    : SessionIndexSearch.fromBytes(cursor, query);
            Peers.Scope scope = Peers.scope(ctx);
            List<Instance> others = scope == Peers.Scope.ANY ? sessions.peers() : List.of();
            // The others are asked first so that they work while this instance reads its own part.
            Peers.Pending remote = peers.ask(others, ctx);
            SessionReader.ListPage page = sessions.reader().list(tenant, query, after, max);
            ObjectNode local = Gather.part(page, position -> cursors.encode(Cursors.Kind.SESSIONS, tenant,
                    SessionIndexSearch.toBytes(position)));
            if (scope != Peers.Scope.ANY) {
                return ok(local);
            }
            List<JsonNode> parts = new ArrayList<>(List.of(local));
            parts.addAll(remote.join());
            return ok(Gather.sessions(parts, max, encoded -> {
                try {
                    return SessionIndexSearch.fromBytes(cursors.decode(Cursors.Kind.SESSIONS, tenant, encoded),
                            query);
                } catch (IllegalArgumentException e) {
                    // Not the caller's fault: the instances sign with different secrets.
                    throw new Peers.PeerException("An instance answered a position this one cannot verify: set the"
                            + " same api.cursor-secret on every instance", e);
                }
            }));
        });
    }

    /** {@code /api/v1/sessions/facets}: the most frequent values of a field among the selected sessions. */
    @Blocking
    @Get("/api/v1/sessions/facets")
    public HttpResponse facets(ServiceRequestContext ctx) {
        return answer(() -> {
            String tenant = TenantAuthentication.tenant(ctx);
            Map<String, List<String>> params = params(ctx);
            SessionQuery query = SessionQuery.parse(params, Set.of("field"));
            String field = facetField(SessionQuery.single(params, "field"));
            Peers.Scope scope = Peers.scope(ctx);
            List<Instance> others = scope == Peers.Scope.ANY ? sessions.peers() : List.of();
            Peers.Pending remote = peers.ask(others, ctx);
            Map<String, Long> counts = new HashMap<>(sessions.reader().facet(tenant, query, field));
            if (scope != Peers.Scope.ANY) {
                return ok(SessionJson.facets(field, counts, Integer.MAX_VALUE));
            }
            for (JsonNode part : remote.join()) {
                part.path("values").forEach(v -> counts.merge(v.path("value").asText(), v.path("count").asLong(),
                        Long::sum));
            }
            return ok(SessionJson.facets(field, counts, FACET_VALUES));
        });
    }

    private static String facetField(String field) {
        if (field == null) {
            throw new InvalidParameterException("field", "is required: one of " + String.join(", ", FACET_FIELDS)
                    + ", metadata.<key> or annotation.<name>.label");
        }
        if (FACET_FIELDS.contains(field) || (field.startsWith("metadata.") && field.length() > "metadata.".length())
                || SessionQuery.annotationLabelFacet(field) != null) {
            return field;
        }
        throw new InvalidParameterException("field", "must be one of " + String.join(", ", FACET_FIELDS)
                + ", metadata.<key> or annotation.<name>.label, not '" + field + "'");
    }

    @Blocking
    @Get("/api/v1/sessions/{session_id}")
    public HttpResponse session(ServiceRequestContext ctx, @Param("session_id") String sessionId) {
        return summary(ctx, sessionId);
    }

    /**
     * The query form of {@link #session}, for any session id: {@code session_id} takes it verbatim, those a path
     * segment cannot carry too ({@code ..}, {@code /}, {@code ?}, {@code %}, {@code facets}); {@code session_id_base64}
     * takes it as base64url of its UTF-8, for the ids no URL carries (control characters such as NUL, which the HTTP
     * server refuses anywhere in a request target). The UI uses only this form, with {@code session_id_base64}.
     */
    @Blocking
    @Get("/api/v1/session")
    public HttpResponse sessionByQuery(ServiceRequestContext ctx, @Param(SESSION_ID) Optional<String> sessionId,
            @Param(SESSION_ID_BASE64) Optional<String> sessionIdBase64) {
        return answer(() -> summary(ctx, sessionId(sessionId, sessionIdBase64)));
    }

    @Blocking
    @Get("/api/v1/sessions/{session_id}/turns")
    public HttpResponse turns(ServiceRequestContext ctx, @Param("session_id") String sessionId,
            @Param("limit") Optional<String> limit, @Param("cursor") Optional<String> cursor) {
        return transcript(ctx, sessionId, limit, cursor);
    }

    /** The query form of {@link #turns}, for any session id. */
    @Blocking
    @Get("/api/v1/session/turns")
    public HttpResponse turnsByQuery(ServiceRequestContext ctx, @Param(SESSION_ID) Optional<String> sessionId,
            @Param(SESSION_ID_BASE64) Optional<String> sessionIdBase64, @Param("limit") Optional<String> limit,
            @Param("cursor") Optional<String> cursor) {
        return answer(() -> transcript(ctx, sessionId(sessionId, sessionIdBase64), limit, cursor));
    }

    private HttpResponse summary(ServiceRequestContext ctx, String requestedId) {
        String tenant = TenantAuthentication.tenant(ctx);
        String sessionId = TurnLimits.storedSessionId(requestedId);
        return routed(ctx, tenant, sessionId, reader -> reader.find(tenant, sessionId)
                .map(s -> ok(SessionJson.summary(s)))
                .orElseGet(() -> notFound(sessionId)));
    }

    private HttpResponse transcript(ServiceRequestContext ctx, String requestedId, Optional<String> limit,
            Optional<String> cursor) {
        String tenant = TenantAuthentication.tenant(ctx);
        String sessionId = TurnLimits.storedSessionId(requestedId);
        return routed(ctx, tenant, sessionId, reader -> {
            int max = limit(limit);
            byte[] after = cursors.decode(Cursors.Kind.TURNS, tenant, cursor.orElse(null));
            return reader.turns(tenant, sessionId, after, max)
                    .map(page -> ok(SessionJson.turns(page.items(),
                            cursors.encode(Cursors.Kind.TURNS, tenant, page.next()))))
                    .orElseGet(() -> notFound(sessionId));
        });
    }

    /** The annotations of a session and its turns, also of a session that has not arrived yet. */
    @Blocking
    @Get("/api/v1/sessions/{session_id}/annotations")
    public HttpResponse annotations(ServiceRequestContext ctx, @Param("session_id") String sessionId) {
        return annotationsOf(ctx, sessionId);
    }

    /** The query form of {@link #annotations}, for any session id. */
    @Blocking
    @Get("/api/v1/session/annotations")
    public HttpResponse annotationsByQuery(ServiceRequestContext ctx, @Param(SESSION_ID) Optional<String> sessionId,
            @Param(SESSION_ID_BASE64) Optional<String> sessionIdBase64) {
        return answer(() -> annotationsOf(ctx, sessionId(sessionId, sessionIdBase64)));
    }

    private HttpResponse annotationsOf(ServiceRequestContext ctx, String requestedId) {
        String tenant = TenantAuthentication.tenant(ctx);
        String sessionId = TurnLimits.storedSessionId(requestedId);
        return routed(ctx, tenant, sessionId, reader -> reader.annotations(tenant, sessionId)
                .map(all -> ok(SessionJson.annotations(all)))
                .orElseGet(() -> notFound(sessionId)));
    }

    @Blocking
    @Get("/api/v1/stats")
    public HttpResponse stats(ServiceRequestContext ctx) {
        return answer(() -> {
            String tenant = TenantAuthentication.tenant(ctx);
            Map<String, List<String>> params = params(ctx);
            SessionQuery query = SessionQuery.parse(params, Set.of("interval"));
            StatsWindow window = StatsWindow.of(query, SessionQuery.single(params, "interval"),
                    Instant.ofEpochMilli(System.currentTimeMillis()));
            Peers.Scope scope = Peers.scope(ctx);
            List<Instance> others = scope == Peers.Scope.ANY ? sessions.peers() : List.of();
            Peers.Pending remote = peers.ask(others, ctx);
            ObjectNode local = SessionJson.stats(sessions.reader().stats(tenant, query, window.fromMicros(),
                    window.toMicros(), window.intervalMicros()), window);
            if (scope != Peers.Scope.ANY) {
                return ok(local);
            }
            List<JsonNode> parts = new ArrayList<>(List.of(local));
            parts.addAll(remote.join());
            return ok(Gather.stats(parts, window));
        });
    }

    /** Every query parameter with its values, in order. */
    private static Map<String, List<String>> params(ServiceRequestContext ctx) {
        Map<String, List<String>> params = new LinkedHashMap<>();
        ctx.queryParams().forEach((name, value) -> params.computeIfAbsent(name, n -> new ArrayList<>()).add(value));
        return params;
    }

    /**
     * Answers a request about one session where its partition is kept: from this instance's stores when it is the
     * active one, else from the active instance; when that one is down or not queryable, from a standby copy, flagged
     * with {@value #REPLICA_HEADER}.
     */
    private HttpResponse routed(ServiceRequestContext ctx, String tenant, String sessionId,
            Function<SessionReader, HttpResponse> query) {
        return answer(() -> {
            Peers.Scope scope = Peers.scope(ctx);
            if (scope == Peers.Scope.LOCAL) {
                return query.apply(sessions.reader());
            }
            if (scope == Peers.Scope.LOCAL_STANDBY) {
                Route.Local local = sessions.localRoute(tenant, sessionId, true);
                return fromStandby(query.apply(sessions.partitionReader(local.partition(), true)));
            }
            StateUnavailableException unavailable = null;
            for (Route route : sessions.routes(tenant, sessionId)) {
                try {
                    if (route instanceof Route.Remote remote) {
                        return peers.forward(remote.instance(), ctx, remote.standby());
                    }
                    Route.Local local = (Route.Local) route;
                    HttpResponse response = query.apply(sessions.partitionReader(local.partition(), local.standby()));
                    return local.standby() ? fromStandby(response) : response;
                } catch (StateUnavailableException e) {
                    unavailable = e;
                }
            }
            throw unavailable;
        });
    }

    private static HttpResponse fromStandby(HttpResponse response) {
        return response.mapHeaders(headers -> headers.toBuilder().set(REPLICA_HEADER, Peers.STANDBY).build());
    }

    /** Runs a query; a bad parameter is a 400, state that is not queryable right now a 503, never a 500. */
    private static HttpResponse answer(Supplier<HttpResponse> query) {
        try {
            return query.get();
        } catch (IllegalArgumentException e) {
            return Problems.of(HttpStatus.BAD_REQUEST, e.getMessage());
        } catch (StateUnavailableException e) {
            return Problems.unavailable(e.getMessage());
        } catch (IndexUnavailableException e) {
            return Problems.unavailable(e.getMessage() + "; ask again shortly");
        } catch (Peers.PeerException e) {
            return Problems.of(HttpStatus.BAD_GATEWAY, e.getMessage());
        }
    }

    private static int limit(Optional<String> limit) {
        if (limit.isEmpty() || limit.get().isEmpty()) {
            return DEFAULT_LIMIT;
        }
        try {
            int value = Integer.parseInt(limit.get());
            if (value >= 1 && value <= MAX_LIMIT) {
                return value;
            }
        } catch (NumberFormatException e) {
            // answered below, like an out-of-range number
        }
        throw new IllegalArgumentException("limit must be an integer from 1 to " + MAX_LIMIT + ", not '"
                + limit.get() + "'");
    }

    /** The session id of a query form: {@code session_id} verbatim, or {@code session_id_base64} decoded. */
    static String sessionId(Optional<String> plain, Optional<String> base64) {
        boolean hasPlain = plain.isPresent() && !plain.get().isEmpty();
        boolean hasBase64 = base64.isPresent() && !base64.get().isEmpty();
        if (hasPlain == hasBase64) {
            throw new IllegalArgumentException("Pass exactly one of " + SESSION_ID + " (the id, URL-encoded) and "
                    + SESSION_ID_BASE64 + " (base64url of its UTF-8)");
        }
        if (hasPlain) {
            return plain.get();
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(Base64.getUrlDecoder().decode(base64.get())))
                    .toString();
        } catch (IllegalArgumentException | CharacterCodingException e) {
            throw new IllegalArgumentException("Invalid " + SESSION_ID_BASE64 + ": not base64url of UTF-8 text");
        }
    }

    private static String nonEmpty(Optional<String> value) {
        return value.filter(v -> !v.isEmpty()).orElse(null);
    }

    private static HttpResponse ok(ObjectNode json) {
        return HttpResponse.of(HttpStatus.OK, MediaType.JSON_UTF_8, json.toString());
    }

    private static HttpResponse notFound(String sessionId) {
        return Problems.of(HttpStatus.NOT_FOUND, "No session '" + sessionId + "'");
    }
}
