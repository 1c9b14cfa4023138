package io.sessionizer.aggregator.http;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.annotation.Blocking;
import com.linecorp.armeria.server.annotation.Get;
import com.linecorp.armeria.server.annotation.Param;
import io.sessionizer.aggregator.query.SessionQueryService;
import io.sessionizer.aggregator.query.StateUnavailableException;
import io.sessionizer.aggregator.topology.Tenants;

/** {@code /api/v1/sessions}: typed endpoints over the session stores (DESIGN.md, "REST API"). */
public final class SessionsApi {
    private final SessionQueryService sessions;

    public SessionsApi(SessionQueryService sessions) {
        this.sessions = sessions;
    }

    /** RocksDB reads block, so they run on Armeria's blocking executor rather than an event loop. */
    @Blocking
    @Get("/api/v1/sessions/{session_id}")
    public HttpResponse session(@Param("session_id") String sessionId) {
        try {
            return sessions.find(Tenants.DEFAULT, sessionId)
                    .map(s -> HttpResponse.of(HttpStatus.OK, MediaType.JSON_UTF_8, SessionJson.summary(s).toString()))
                    .orElseGet(() -> Problems.of(HttpStatus.NOT_FOUND, "No session '" + sessionId + "'"));
        } catch (StateUnavailableException e) {
            return Problems.unavailable(e.getMessage());
        }
    }
}
