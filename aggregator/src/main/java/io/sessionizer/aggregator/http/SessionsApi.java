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
import io.sessionizer.aggregator.query.SessionReader;
import io.sessionizer.aggregator.query.StateUnavailableException;
import io.sessionizer.aggregator.store.StoreKeys;
import io.sessionizer.aggregator.topology.Tenants;
import io.sessionizer.schemas.SessionSummary;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;

/**
 * {@code /api/v1/sessions} and {@code /api/v1/stats}: typed endpoints over the session stores (DESIGN.md, "REST
 * API"). A session another instance owns is forwarded to it; lists and totals gather every instance's part. RocksDB
 * reads and the calls to other instances block, so every endpoint runs on Armeria's blocking executor.
 */
public final class SessionsApi {
    static final int DEFAULT_LIMIT = 50;
    static final int MAX_LIMIT = 500;

    private final SessionQueryService sessions;
    private final Peers peers = new Peers();

    public SessionsApi(SessionQueryService sessions) {
        this.sessions = sessions;
    }

    @Blocking
    @Get("/api/v1/sessions")
    public HttpResponse list(ServiceRequestContext ctx, @Param("limit") Optional<String> limit,
            @Param("cursor") Optional<String> cursor, @Param("project") Optional<String> project,
            @Param("user_id") Optional<String> userId, @Param("q") Optional<String> q) {
        return answer(reader -> {
            int max = limit(limit);
            Bytes after = Cursors.decode(cursor.orElse(null));
            if (after != null && !StoreKeys.isByEndTimeKey(after)) {
                throw new IllegalArgumentException("Invalid cursor: pass a next_cursor as received");
            }
            SessionFilter filter = new SessionFilter(nonEmpty(project), nonEmpty(userId), nonEmpty(q));
            Page<SessionSummary> page = reader.list(Tenants.DEFAULT, filter, after, max);
            ObjectNode local = SessionJson.sessions(page.items(), Cursors.encode(page.next()));
            if (Peers.isLocalOnly(ctx)) {
                return ok(local);
            }
            List<JsonNode> parts = new ArrayList<>(List.of(local));
            sessions.peers().forEach(peer -> parts.add(peers.part(peer, ctx)));
            return ok(Gather.sessions(parts, Tenants.DEFAULT, max));
        });
    }

    @Blocking
    @Get("/api/v1/sessions/{session_id}")
    public HttpResponse session(ServiceRequestContext ctx, @Param("session_id") String sessionId) {
        return answer(reader -> remoteOwner(ctx, sessionId).map(owner -> peers.forward(owner, ctx)).orElseGet(
                () -> reader.find(Tenants.DEFAULT, sessionId)
                .map(s -> ok(SessionJson.summary(s)))
                .orElseGet(() -> notFound(sessionId))));
    }

    @Blocking
    @Get("/api/v1/sessions/{session_id}/turns")
    public HttpResponse turns(ServiceRequestContext ctx, @Param("session_id") String sessionId,
            @Param("limit") Optional<String> limit, @Param("cursor") Optional<String> cursor) {
        return answer(reader -> {
            int max = limit(limit);
            Optional<HostInfo> owner = remoteOwner(ctx, sessionId);
            if (owner.isPresent()) {
                return peers.forward(owner.get(), ctx);
            }
            Bytes after = Cursors.decode(cursor.orElse(null));
            if (after != null && !StoreKeys.isTranscriptKeyOf(after, Tenants.sessionKey(Tenants.DEFAULT, sessionId))) {
                throw new IllegalArgumentException("Invalid cursor: not a cursor of session '" + sessionId + "'");
            }
            return reader.turns(Tenants.DEFAULT, sessionId, after, max)
                    .map(page -> ok(SessionJson.turns(page.items(), Cursors.encode(page.next()))))
                    .orElseGet(() -> notFound(sessionId));
        });
    }

    @Blocking
    @Get("/api/v1/stats")
    public HttpResponse stats(ServiceRequestContext ctx, @Param("project") Optional<String> project) {
        return answer(reader -> {
            ObjectNode local = SessionJson.stats(nonEmpty(project), reader.stats(Tenants.DEFAULT, nonEmpty(project)));
            if (Peers.isLocalOnly(ctx)) {
                return ok(local);
            }
            List<JsonNode> parts = new ArrayList<>(List.of(local));
            sessions.peers().forEach(peer -> parts.add(peers.part(peer, ctx)));
            return ok(Gather.stats(parts, nonEmpty(project)));
        });
    }

    /** The instance that owns the session, when it is another one and this request was not forwarded already. */
    private Optional<HostInfo> remoteOwner(ServiceRequestContext ctx, String sessionId) {
        return Peers.isLocalOnly(ctx) ? Optional.empty() : sessions.remoteOwner(Tenants.DEFAULT, sessionId);
    }

    /** Runs a query; a bad parameter is a 400, state that is not queryable right now a 503, never a 500. */
    private HttpResponse answer(Function<SessionReader, HttpResponse> query) {
        try {
            return query.apply(sessions.reader());
        } catch (IllegalArgumentException e) {
            return Problems.of(HttpStatus.BAD_REQUEST, e.getMessage());
        } catch (StateUnavailableException e) {
            return Problems.unavailable(e.getMessage());
        } catch (InvalidStateStoreException e) {
            return Problems.unavailable("Sessions are not queryable right now: " + e.getMessage());
        } catch (IllegalStateException e) {
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
