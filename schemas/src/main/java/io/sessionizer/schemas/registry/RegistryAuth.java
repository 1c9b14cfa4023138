package io.sessionizer.schemas.registry;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;
import java.util.Optional;

/**
 * How the client authenticates to the Schema Registry: not at all, HTTP basic ({@code user:password}, the API key and
 * secret of Confluent Cloud) or a bearer token. {@link #toString()} never shows the secret, so a configuration can be
 * logged.
 */
public final class RegistryAuth {
    private static final RegistryAuth NONE = new RegistryAuth("none", null);

    private final String kind;
    private final String authorization;

    private RegistryAuth(String kind, String authorization) {
        this.kind = kind;
        this.authorization = authorization;
    }

    public static RegistryAuth none() {
        return NONE;
    }

    public static RegistryAuth basic(String user, String password) {
        if (user.isEmpty()) {
            throw new IllegalArgumentException("basic authentication needs a user name");
        }
        String pair = user + ":" + password;
        return new RegistryAuth("basic",
                "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8)));
    }

    public static RegistryAuth bearer(String token) {
        if (token.isEmpty()) {
            throw new IllegalArgumentException("bearer authentication needs a token");
        }
        return new RegistryAuth("bearer", "Bearer " + token);
    }

    /**
     * Parses the {@code schema.registry.auth} setting: empty or {@code none}; {@code basic:<user>:<password>} (the
     * password may itself hold colons); or {@code bearer:<token>}.
     *
     * @throws IllegalArgumentException with a message that never repeats the secret
     */
    public static RegistryAuth parse(String text) {
        String s = text == null ? "" : text.trim();
        if (s.isEmpty() || s.equalsIgnoreCase("none")) {
            return NONE;
        }
        int colon = s.indexOf(':');
        String scheme = colon < 0 ? s : s.substring(0, colon).toLowerCase(Locale.ROOT);
        String rest = colon < 0 ? "" : s.substring(colon + 1);
        switch (scheme) {
            case "basic" -> {
                int sep = rest.indexOf(':');
                if (sep < 0) {
                    throw new IllegalArgumentException("expected basic:<user>:<password>");
                }
                return basic(rest.substring(0, sep), rest.substring(sep + 1));
            }
            case "bearer" -> {
                return bearer(rest);
            }
            default -> throw new IllegalArgumentException("unknown authentication '" + scheme
                    + "'; expected none, basic:<user>:<password> or bearer:<token>");
        }
    }

    /** The value of the {@code Authorization} header, or empty for {@link #none()}. */
    public Optional<String> authorizationHeader() {
        return Optional.ofNullable(authorization);
    }

    @Override
    public String toString() {
        return kind;
    }
}
