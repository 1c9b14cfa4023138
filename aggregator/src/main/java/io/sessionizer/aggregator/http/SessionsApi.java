package io.sessionizer.aggregator.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.ServiceRequestContext;
import com.linecorp.armeria.server.annotation.Blocking;
import com.linecorp.armeria.server.annotation.Get;
import com.linecorp.armeria.server.annotation.Param;
import io.sessionizer.aggregator.query.Page;
import io.sessionizer.aggregator.query.SessionFilter;
import io.sessionizer.aggregator.query.SessionQueryService;
import io.sessionizer.aggregator.query.SessionQueryService.Placement;
import io.sessionizer.aggregator.query.SessionReader;
import io.sessionizer.aggregator.query.StateUnavailableException;
import io.sessionizer.aggregator.store.StoreKeys;
import io.sessionizer.aggregator.topology.Tenants;
import io.sessionizer.schemas.SessionSummary;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;

/**
 * {@code /api/v1/sessions} and {@code /api/v1/stats}: typed endpoints over the session stores (DESIGN.md, "REST
 * API"), for the tenant of the request's API key. A session another instance keeps is forwarded to it; lists and
 * totals gather every instance's part. RocksDB reads and the calls to other instances block, so every endpoint runs on
 * Armeria's blocking executor.
 */
public final class SessionsApi {
    static final int DEFAULT_LIMIT = 50;
    static final int MAX_LIMIT = 500;
    /** Set to {@code standby} on an answer read from a standby copy, which may lag behind the active instance. */
    static final String REPLICA_HEADER = "x-sessionizer-replica";

    private final SessionQueryService sessions;
    private final Cursors cursors;
    private final Peers peers = new Peers();

    /**
     * @param cursors signs and checks the pages' cursors; every instance of a deployment must use the same secret
     */
    public SessionsApi(SessionQueryService sessions, Cursors cursors) {
        this.sessions = sessions;
        this.cursors = cursors;
    }

    @Blocking
    @Get("/api/v1/sessions")
    public HttpResponse list(ServiceRequestContext ctx, @Param("limit") Optional<String> limit,
            @Param("cursor") Optional<String> cursor, @Param("project") Optional<String> project,
            @Param("user_id") Optional<String> userId, @Param("q") Optional<String> q) {
        return answer(() -> {
            String tenant = Authentication.tenant(ctx);
            int max = limit(limit);
            Bytes after = cursors.decode(Cursors.Kind.SESSIONS, tenant, cursor.orElse(null));
            if (after != null && !StoreKeys.isByEndTimeKey(after)) {
                throw new Cursors.InvalidCursorException();
            }
            SessionFilter filter = new SessionFilter(nonEmpty(project), nonEmpty(userId), nonEmpty(q));
            List<HostInfo> others = Peers.scope(ctx) == Peers.Scope.ANY ? sessions.peers() : List.of();
            // The others are asked first so that they work while this instance reads its own part.
            Peers.Pending remote = peers.ask(others, ctx);
            Page<SessionSummary> page = sessions.reader().list(tenant, filter, after, max);
            List<JsonNode> parts = new ArrayList<>(List.of(SessionJson.sessions(page.items(),
                    cursors.encode(Cursors.Kind.SESSIONS, tenant, page.next()))));
            parts.addAll(remote.join());
            return ok(others.isEmpty() ? (ObjectNode) parts.get(0) : Gather.sessions(parts, tenant, max, cursors));
        });
    }

    @Blocking
    @Get("/api/v1/sessions/{session_id}")
    public HttpResponse session(ServiceRequestContext ctx, @Param("session_id") String sessionId) {
        String tenant = Authentication.tenant(ctx);
        return routed(ctx, tenant, sessionId, reader -> reader.find(tenant, sessionId)
                .map(s -> ok(SessionJson.summary(s)))
                .orElseGet(() -> notFound(sessionId)));
    }

    @Blocking
    @Get("/api/v1/sessions/{session_id}/turns")
    public HttpResponse turns(ServiceRequestContext ctx, @Param("session_id") String sessionId,
            @Param("limit") Optional<String> limit, @Param("cursor") Optional<String> cursor) {
        String tenant = Authentication.tenant(ctx);
        return routed(ctx, tenant, sessionId, reader -> {
            int max = limit(limit);
            Bytes after = cursors.decode(Cursors.Kind.TURNS, tenant, cursor.orElse(null));
            if (after != null && !StoreKeys.isTranscriptKeyOf(after, Tenants.sessionKey(tenant, sessionId))) {
                throw new IllegalArgumentException("Invalid cursor: not a cursor of session '" + sessionId + "'");
            }
            return reader.turns(tenant, sessionId, after, max)
                    .map(page -> ok(SessionJson.turns(page.items(),
                            cursors.encode(Cursors.Kind.TURNS, tenant, page.next()))))
                    .orElseGet(() -> notFound(sessionId));
        });
    }

    @Blocking
    @Get("/api/v1/stats")
    public HttpResponse stats(ServiceRequestContext ctx, @Param("project") Optional<String> project) {
        return answer(() -> {
            String tenant = Authentication.tenant(ctx);
            List<HostInfo> others = Peers.scope(ctx) == Peers.Scope.ANY ? sessions.peers() : List.of();
            Peers.Pending remote = peers.ask(others, ctx);
            ObjectNode local = SessionJson.stats(nonEmpty(project), sessions.reader().stats(tenant, nonEmpty(project)));
            if (others.isEmpty()) {
                return ok(local);
            }
            List<JsonNode> parts = new ArrayList<>(List.of(local));
            parts.addAll(remote.join());
            return ok(Gather.stats(parts, nonEmpty(project)));
        });
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
            Placement placement = sessions.locate(tenant, sessionId);
            if (scope == Peers.Scope.LOCAL_STANDBY) {
                return fromStandby(query.apply(sessions.partitionReader(placement.partition(), true)));
            }
            StateUnavailableException unavailable = null;
            for (HostInfo host : placement.hosts()) {
                boolean standby = !host.equals(placement.active());
                try {
                    if (!host.equals(placement.self())) {
                        return peers.forward(host, ctx, standby);
                    }
                    HttpResponse response = query.apply(sessions.partitionReader(placement.partition(), standby));
                    return standby ? fromStandby(response) : response;
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
        } catch (InvalidStateStoreException e) {
            return Problems.unavailable("Sessions are not queryable right now: " + e.getMessage());
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
