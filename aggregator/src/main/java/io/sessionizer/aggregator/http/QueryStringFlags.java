package io.sessionizer.aggregator.http;

import com.linecorp.armeria.common.FlagsProvider;

/**
 * Lets a query value hold {@code ..} as a path segment ({@code session_id=..}, {@code session_id=../../etc/passwd}),
 * which Armeria refuses by default with "400 Invalid request path": a session id is any text, and
 * {@code /api/v1/session?session_id=} must reach every one. Nothing of this server reads a query value as a path.
 * Loaded by Armeria's {@code Flags} through {@code META-INF/services}; a
 * {@code -Dcom.linecorp.armeria.allowDoubleDotsInQueryString} system property still overrides it.
 */
public final class QueryStringFlags implements FlagsProvider {
    /** Above Armeria's defaults, below its system-property provider. */
    private static final int PRIORITY = 100;

    @Override
    public int priority() {
        return PRIORITY;
    }

    @Override
    public String name() {
        return "sessionizer-aggregator";
    }

    @Override
    public Boolean allowDoubleDotsInQueryString() {
        return true;
    }
}
