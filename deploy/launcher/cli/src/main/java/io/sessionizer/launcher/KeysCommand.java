package io.sessionizer.launcher;

import io.sessionizer.auth.ApiKeys;
import io.sessionizer.auth.Scope;
import io.sessionizer.schemas.records.RecordContract;
import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code sessionizer keys}: makes API keys and the entries of the keys file, which holds only their SHA-256. A key is
 * never taken as an argument, so that it stays out of shell history and process lists.
 */
@Command(name = "keys", sortOptions = false, usageHelpAutoWidth = true,
        description = {"API keys of the ingest and the aggregator (auth.api-keys, auth.api-keys-file): a new key, or"
                + " the hash of one, which is what the keys file stores."},
        subcommands = {KeysCommand.New.class, KeysCommand.Hash.class})
final class KeysCommand implements Runnable {
    @Spec
    private CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "Missing command; try 'sessionizer keys new --tenant acme'");
    }

    /** The entry of the keys file for a key: {@code sha256:<hex>=<tenant>[ <scope>...]}. */
    static String entry(String key, String tenant, Set<Scope> scopes) {
        String listed = scopes.stream().map(Scope::tag).collect(Collectors.joining(" "));
        return ApiKeys.hash(key) + "=" + tenant + (listed.isEmpty() ? "" : " " + listed);
    }

    /** The scopes of {@code --scopes}, as the keys file names them. */
    static Set<Scope> scopes(CommandSpec spec, List<String> tags) {
        Set<Scope> parsed = EnumSet.noneOf(Scope.class);
        for (String tag : tags) {
            try {
                parsed.add(Scope.of(tag.trim()));
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), e.getMessage());
            }
        }
        return parsed;
    }

    static void checkTenant(CommandSpec spec, String tenant) {
        if (!RecordContract.isValidTenant(tenant)) {
            throw new ParameterException(spec.commandLine(), "Invalid tenant '" + tenant + "': must match "
                    + RecordContract.TENANT_PATTERN);
        }
    }

    @Command(name = "new", sortOptions = false, usageHelpAutoWidth = true,
            description = {"Prints a new random key (32 random bytes, base64url, prefixed sz_) once on standard"
                    + " output, and on standard error the line to add to the keys file, which holds only its hash."
                    + " Give the key to its user; it is not stored anywhere.",
                "Example: sessionizer keys new --tenant acme --scopes ingest"})
    static final class New implements Callable<Integer> {
        @Option(names = "--tenant", required = true, paramLabel = "TENANT", description = "The tenant the key sends"
                + " spans to and reads the sessions of.")
        private String tenant;

        @Option(names = "--scopes", paramLabel = "SCOPE", split = ",", description = "What the key may do, from"
                + " ingest (send spans and logs), read (the API and the UI), annotate (write annotations) and admin"
                + " (everything); comma-separated. Default: all.")
        private List<String> scopes = new ArrayList<>();

        @Spec
        private CommandSpec spec;

        @Override
        public Integer call() {
            checkTenant(spec, tenant);
            Set<Scope> granted = scopes(spec, scopes);
            String key = ApiKeys.newKey(new SecureRandom());
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            out.println(key);
            out.flush();
            // Both lines are valid in the keys file, so that standard error may be appended to it as it is.
            err.println("# key id " + ApiKeys.keyId(key) + ": add this line to the keys file (auth.api-keys-file)");
            err.println(entry(key, tenant, granted));
            err.flush();
            return 0;
        }
    }

    @Command(name = "hash", sortOptions = false, usageHelpAutoWidth = true,
            description = {"Reads one key from standard input (typed without echo at a terminal) and prints its hash,"
                    + " sha256:<hex>, as the keys file stores it; with --tenant, the whole entry of the keys file.",
                "Example: sessionizer keys hash --tenant acme --scopes read < key.txt"})
    static final class Hash implements Callable<Integer> {
        @Option(names = "--tenant", paramLabel = "TENANT", description = "Print the whole entry for this tenant.")
        private String tenant;

        @Option(names = "--scopes", paramLabel = "SCOPE", split = ",", description = "With --tenant: what the key"
                + " may do, from ingest, read, annotate and admin; comma-separated. Default: all.")
        private List<String> scopes = new ArrayList<>();

        @Spec
        private CommandSpec spec;

        /** Standard input; tests give another. */
        InputStream in = System.in;

        @Override
        public Integer call() throws IOException {
            Set<Scope> granted = scopes(spec, scopes);
            if (tenant != null) {
                checkTenant(spec, tenant);
            } else if (!granted.isEmpty()) {
                throw new ParameterException(spec.commandLine(), "--scopes needs --tenant");
            }
            String key = readKey();
            PrintWriter out = spec.commandLine().getOut();
            out.println(tenant == null ? ApiKeys.hash(key) : entry(key, tenant, granted));
            out.flush();
            return 0;
        }

        private String readKey() throws IOException {
            Console console = System.console();
            if (console != null && in == System.in) {
                char[] typed = console.readPassword("API key: ");
                return check(typed == null ? "" : new String(typed));
            }
            List<String> lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)).lines()
                    .filter(line -> !line.isBlank()).toList();
            if (lines.size() > 1) {
                throw new ParameterException(spec.commandLine(), "Standard input holds " + lines.size()
                        + " lines: give one key per run");
            }
            return check(lines.isEmpty() ? "" : lines.get(0));
        }

        private String check(String key) {
            String trimmed = key.trim();
            if (trimmed.isEmpty()) {
                throw new ParameterException(spec.commandLine(), "No key on standard input; try"
                        + " 'sessionizer keys hash < key.txt'");
            }
            return trimmed;
        }
    }
}
