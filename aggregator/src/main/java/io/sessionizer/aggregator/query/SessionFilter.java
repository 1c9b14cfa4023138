package io.sessionizer.aggregator.query;

import io.sessionizer.schemas.SessionSummary;

/**
 * The filters of a session list; null means no filter.
 *
 * @param project the session has this among its projects
 * @param userId the session's user
 * @param q words searched in turn inputs and outputs, case-insensitive; the last word matches as a prefix
 */
public record SessionFilter(String project, String userId, String q) {
    public static final SessionFilter NONE = new SessionFilter(null, null, null);

    boolean matches(SessionSummary s) {
        return (project == null || s.getProjects().contains(project))
                && (userId == null || userId.equals(s.getUserId()));
    }
}
