package io.sessionizer.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.sessionizer.auth.ApiKeys;
import io.sessionizer.auth.Caller;
import io.sessionizer.auth.Scope;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class KeysCommandTest {
    /** The SHA-256 of "abc" (FIPS 180-2, appendix B.1). */
    private static final String ABC_HASH = "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();
    private final CommandLine cli = SessionizerCli.commandLine()
            .setOut(new PrintWriter(out))
            .setErr(new PrintWriter(err));

    private int hash(String stdin, String... args) {
        KeysCommand.Hash hash = cli.getSubcommands().get("keys").getSubcommands().get("hash").getCommand();
        hash.in = new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8));
        String[] all = new String[args.length + 2];
        all[0] = "keys";
        all[1] = "hash";
        System.arraycopy(args, 0, all, 2, args.length);
        return cli.execute(all);
    }

    private static Caller caller(ApiKeys keys, String key) {
        return keys.authenticate("Bearer " + key).orElseThrow();
    }

    @Test
    void shouldPrintANewKeyOnStdoutAndItsEntryOnStderr(@TempDir Path dir) throws IOException {
        assertThat(cli.execute("keys", "new", "--tenant", "acme", "--scopes", "ingest,read")).isZero();

        String key = out.toString().strip();
        assertThat(key).matches("sz_[A-Za-z0-9_-]{43}");
        assertThat(err.toString()).contains(ApiKeys.hash(key) + "=acme ingest read")
                .contains("key id " + ApiKeys.keyId(key))
                .doesNotContain(key);
        // What stderr holds is a valid keys file as it is.
        Path file = dir.resolve("keys");
        Files.writeString(file, err.toString());
        Caller acme = caller(ApiKeys.of(List.of(), "auth.api-keys", file.toString()), key);
        assertThat(acme.tenant()).isEqualTo("acme");
        assertThat(acme.scopes()).containsExactly(Scope.INGEST, Scope.READ);
    }

    @Test
    void shouldMakeADifferentKeyEachTimeWithEveryScopeByDefault() {
        assertThat(cli.execute("keys", "new", "--tenant", "acme")).isZero();
        assertThat(cli.execute("keys", "new", "--tenant", "acme")).isZero();

        List<String> keys = out.toString().lines().toList();
        assertThat(keys).hasSize(2).doesNotHaveDuplicates();
        assertThat(err.toString()).contains(ApiKeys.hash(keys.get(0)) + "=acme\n");
    }

    @Test
    void shouldRefuseANewKeyWithoutAValidTenantOrWithAnUnknownScope() {
        assertThat(cli.execute("keys", "new")).isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(err.toString()).contains("Missing required option: '--tenant=TENANT'");
        assertThat(cli.execute("keys", "new", "--tenant", "Not Valid")).isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(err.toString()).contains("Invalid tenant 'Not Valid'");
        assertThat(cli.execute("keys", "new", "--tenant", "acme", "--scopes", "read,write"))
                .isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(err.toString()).contains("Unknown scope 'write': expected one of ingest, read, annotate, admin");
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void shouldHashAKeyReadFromStdin() {
        assertThat(hash("abc\n")).isZero();

        assertThat(out.toString()).isEqualTo(ABC_HASH + System.lineSeparator());
    }

    @Test
    void shouldPrintTheWholeEntryOfAKeyFromStdinForATenant() {
        assertThat(hash("  abc  \n\n", "--tenant", "acme", "--scopes", "annotate,read")).isZero();

        assertThat(out.toString().strip()).isEqualTo(ABC_HASH + "=acme read annotate");
        assertThat(caller(ApiKeys.of(List.of(out.toString().strip()), "auth.api-keys", ""), "abc").scopes())
                .containsExactly(Scope.READ, Scope.ANNOTATE);
    }

    @Test
    void shouldRefuseNoKeyTwoKeysOrScopesWithoutATenant() {
        assertThat(hash("")).isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(err.toString()).contains("No key on standard input");
        assertThat(hash("abc\ndef\n")).isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(err.toString()).contains("Standard input holds 2 lines: give one key per run")
                .doesNotContain("abc");
        assertThat(hash("abc\n", "--scopes", "read")).isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(err.toString()).contains("--scopes needs --tenant");
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void shouldTakeNoKeyAsAnArgument() {
        assertThat(cli.execute("keys", "hash", "abc")).isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void shouldAskForASubcommandAndListKeysInTheTopLevelHelp() {
        assertThat(cli.execute("keys")).isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(err.toString()).contains("Missing command; try 'sessionizer keys new --tenant acme'");

        assertThat(cli.execute("--help")).isZero();
        assertThat(out.toString()).contains("keys", "API keys of the ingest and the aggregator");
    }
}
