package io.sessionizer.auth;

import io.sessionizer.schemas.records.RecordContract;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Who sent a request, as its key says: the tenant, the scopes and the key id (the first 12 hex digits of the key's
 * SHA-256, which is safe to log, to tag a metric with and to count a rate limit by).
 */
public record Caller(String tenant, Set<Scope> scopes, String keyId) {
    /** The key id when keys are off. */
    public static final String NO_KEY = "-";
    /** Every request when keys are off: the default tenant, with every scope. */
    static final Caller ANONYMOUS = new Caller(RecordContract.DEFAULT_TENANT, EnumSet.allOf(Scope.class), NO_KEY);

    public Caller {
        scopes = Collections.unmodifiableSet(scopes.isEmpty() ? EnumSet.noneOf(Scope.class) : EnumSet.copyOf(scopes));
    }

    /** True when the key has {@code scope}, or {@link Scope#ADMIN}, which implies it. */
    public boolean may(Scope scope) {
        return scopes.contains(scope) || scopes.contains(Scope.ADMIN);
    }

    /** The scopes as the keys file writes them, in declaration order: {@code ingest, read}. */
    public String scopeList() {
        return scopes.stream().map(Scope::tag).collect(Collectors.joining(", "));
    }
}
