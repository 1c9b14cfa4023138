package io.sessionizer.aggregator.domain;

import java.time.Duration;

/**
 * The lifecycle of a session, on wall-clock time: a session is active while spans arrive; after {@code idleTimeout}
 * without one it becomes idle (ENDED); a later span makes it active again (RESUMED); after {@code retention} without
 * one it expires and is deleted (EXPIRED).
 *
 * <p>The deadline policy: each session has one deadline entry, filed under the time of its next change or, for an
 * active session, earlier. A new turn does not move an active session's deadline later (that would cost a write per
 * turn); the check at a deadline that came too early files it again at the right time.
 *
 * @param idleTimeout time without spans after which a session is idle
 * @param retention time without spans after which a session is deleted
 */
public record SessionLifecycle(Duration idleTimeout, Duration retention) {
    /** What the check at a session's deadline does. */
    public enum Step {
        /** Nothing yet: the deadline came early; file it again at {@link Decision#nextDeadlineMs()}. */
        REFILE,
        /** The session becomes idle, and is checked again at {@link Decision#nextDeadlineMs()} to expire. */
        GO_IDLE,
        /** The session becomes idle and expires at once (retention not longer than the idle timeout). */
        GO_IDLE_AND_EXPIRE,
        /** The idle session expires. */
        EXPIRE
    }

    /** A check's outcome; {@code nextDeadlineMs} is meaningful for REFILE and GO_IDLE only. */
    public record Decision(Step step, long nextDeadlineMs) {
    }

    /** When a session whose last span arrived at {@code lastActivityMs} becomes idle. */
    public long idleAt(long lastActivityMs) {
        return lastActivityMs + idleTimeout.toMillis();
    }

    /** When a session whose last span arrived at {@code lastActivityMs} expires. */
    public long expiresAt(long lastActivityMs) {
        return lastActivityMs + retention.toMillis();
    }

    /**
     * The deadline a session must be filed under after activity at {@code nowMs}, or -1 to keep its current one:
     * a new session (no deadline, {@code currentDeadlineMs} 0) or one whose deadline is later than its new idle time
     * (an idle session, filed under its expiry) is filed again; an active session keeps its earlier entry.
     */
    public long deadlineAfterActivity(boolean newSession, long currentDeadlineMs, long nowMs) {
        long idleAt = idleAt(nowMs);
        return newSession || currentDeadlineMs > idleAt ? idleAt : -1;
    }

    /** The check at a session's deadline. */
    public Decision atDeadline(boolean active, long lastActivityMs, long nowMs) {
        long idleAt = idleAt(lastActivityMs);
        if (active && idleAt > nowMs) {
            return new Decision(Step.REFILE, idleAt);
        }
        long expiry = expiresAt(lastActivityMs);
        if (active) {
            return expiry > nowMs ? new Decision(Step.GO_IDLE, expiry) : new Decision(Step.GO_IDLE_AND_EXPIRE, 0);
        }
        return new Decision(Step.EXPIRE, 0);
    }
}
