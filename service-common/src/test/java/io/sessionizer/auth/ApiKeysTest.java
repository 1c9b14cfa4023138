package io.sessionizer.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sessionizer.config.ConfigException;
import io.sessionizer.testing.TestFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ApiKeysTest {
    /** The SHA-256 of "abc" (FIPS 180-2, appendix B.1). */
    private static final String ABC_HASH = "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

    private static ApiKeys keys(String... entries) {
        return ApiKeys.of(List.of(entries), "auth.api-keys", "");
    }

    private static Caller caller(ApiKeys keys, String key) {
        return keys.authenticate("Bearer " + key).orElseThrow();
    }

    @Test
    void shouldPutEveryRequestInTheDefaultTenantWithEveryScopeWithoutKeys() {
        ApiKeys keys = ApiKeys.none();

        assertThat(keys.enabled()).isFalse();
        assertThat(keys.authenticate(null)).map(Caller::tenant).contains("default");
        Caller anyone = caller(keys, "anything");
        assertThat(anyone.tenant()).isEqualTo("default");
        assertThat(anyone.scopes()).isEqualTo(EnumSet.allOf(Scope.class));
        assertThat(anyone.keyId()).isEqualTo("-");
    }

    @Test
    void shouldMapEachPlaintextKeyToItsTenant() {
        ApiKeys keys = keys("k-alpha=alpha", "k-beta=beta");

        assertThat(caller(keys, "k-alpha").tenant()).isEqualTo("alpha");
        assertThat(keys.authenticate("bearer k-beta")).map(Caller::tenant).contains("beta");
        assertThat(keys.authenticate("BEARER  k-beta ")).map(Caller::tenant).contains("beta");
    }

    @Test
    void shouldRefuseMissingWrongAndMalformedCredentials() {
        ApiKeys keys = keys("k-alpha=alpha");

        assertThat(keys.authenticate(null)).isEmpty();
        assertThat(keys.authenticate("")).isEmpty();
        assertThat(keys.authenticate("Bearer ")).isEmpty();
        assertThat(keys.authenticate("Bearer    ")).isEmpty();
        assertThat(keys.authenticate("Bearer k-alph")).isEmpty();
        assertThat(keys.authenticate("Bearer k-alpha2")).isEmpty();
        assertThat(keys.authenticate("Basic k-alpha")).isEmpty();
        assertThat(keys.authenticate("k-alpha")).isEmpty();
    }

    @Test
    void shouldHashAKeyAsTheSha256OfItsUtf8Bytes() {
        assertThat(ApiKeys.hash("abc")).isEqualTo(ABC_HASH);
        assertThat(ApiKeys.keyId("abc")).isEqualTo("ba7816bf8f01");
    }

    @Test
    void shouldAcceptTheKeyOfAHashedEntryAndNotTheHashItself() {
        ApiKeys keys = keys(ABC_HASH + "=acme");

        Caller acme = caller(keys, "abc");
        assertThat(acme.tenant()).isEqualTo("acme");
        assertThat(acme.keyId()).isEqualTo("ba7816bf8f01");
        assertThat(keys.authenticate("Bearer " + ABC_HASH)).isEmpty();
        assertThat(keys.authenticate("Bearer " + ABC_HASH.substring("sha256:".length()))).isEmpty();
    }

    @Test
    void shouldGiveTheSameCallerForAPlaintextEntryAndItsHash() {
        assertThat(caller(keys("abc=acme read"), "abc")).isEqualTo(caller(keys(ABC_HASH + "=acme read"), "abc"));
    }

    @Test
    void shouldGiveEveryScopeToAnEntryThatListsNone() {
        Caller all = caller(keys("k=acme"), "k");

        assertThat(all.scopes()).isEqualTo(EnumSet.allOf(Scope.class));
        assertThat(all.may(Scope.INGEST)).isTrue();
        assertThat(all.may(Scope.READ)).isTrue();
        assertThat(all.may(Scope.ANNOTATE)).isTrue();
    }

    @Test
    void shouldGiveOnlyTheListedScopes() {
        ApiKeys keys = keys("k-ingest=acme ingest", "k-reader=acme read   ANNOTATE", "k-admin=acme admin");

        Caller ingest = caller(keys, "k-ingest");
        assertThat(ingest.scopes()).containsExactly(Scope.INGEST);
        assertThat(ingest.may(Scope.READ)).isFalse();
        Caller reader = caller(keys, "k-reader");
        assertThat(reader.scopes()).containsExactly(Scope.READ, Scope.ANNOTATE);
        assertThat(reader.scopeList()).isEqualTo("read, annotate");
        assertThat(reader.may(Scope.INGEST)).isFalse();
        assertThat(reader.may(Scope.ANNOTATE)).isTrue();
        Caller admin = caller(keys, "k-admin");
        assertThat(EnumSet.allOf(Scope.class)).allMatch(admin::may);
    }

    @Test
    void shouldSplitAtTheLastEqualsSignSoThatKeysMayHoldOne() {
        ApiKeys keys = keys("a=b==acme read");

        assertThat(caller(keys, "a=b=").tenant()).isEqualTo("acme");
        assertThat(caller(keys, "a=b=").scopes()).containsExactly(Scope.READ);
    }

    @Test
    void shouldFailFastOnBadEntriesNamingWhereWithoutShowingTheKey() {
        assertThatThrownBy(() -> keys("secret-key=Not_Valid!"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("Invalid tenant 'Not_Valid!' at auth.api-keys entry 1")
                .hasMessageNotContaining("secret-key");
        assertThatThrownBy(() -> keys("k=acme", "secret-key"))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("Invalid entry at auth.api-keys entry 2: expected <key>=<tenant>")
                .hasMessageNotContaining("secret-key");
        assertThatThrownBy(() -> keys("secret-key="))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("Invalid entry at auth.api-keys entry 1");
        assertThatThrownBy(() -> keys(" =acme"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("Empty API key at auth.api-keys entry 1");
        assertThatThrownBy(() -> keys("secret-key=acme ingest write"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("Unknown scope 'write' at auth.api-keys entry 1: expected one of ingest, read, annotate,"
                        + " admin");
        assertThatThrownBy(() -> ApiKeys.of(List.of(), "auth.api-keys", "/does/not/exist"))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("Cannot read API key file /does/not/exist");
    }

    @Test
    void shouldNotShowALongValueInThePlaceOfATenantOrScopeSinceItMayBeAKey() {
        String key = ApiKeys.newKey(new SecureRandom());

        assertThatThrownBy(() -> keys("acme=" + key))
                .isInstanceOf(ConfigException.class)
                .hasMessage("Invalid tenant (46 characters, not shown: it may be a key) at auth.api-keys entry 1:"
                        + " must match [a-z0-9_-]{1,64}");
        assertThatThrownBy(() -> keys(ApiKeys.hash("k") + "=acme " + key))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("Unknown scope (46 characters, not shown: it may be a key) at auth.api-keys"
                        + " entry 1");
    }

    @Test
    void shouldRefuseAHashThatIsNotSixtyFourLowercaseHexDigits() {
        for (String bad : List.of(ABC_HASH.toUpperCase().replace("SHA256", "sha256"), ABC_HASH.substring(0, 70),
                ABC_HASH + "0", "sha256:")) {
            assertThatThrownBy(() -> keys(bad + "=acme"))
                    .as(bad)
                    .isInstanceOf(ConfigException.class)
                    .hasMessageStartingWith("Invalid hashed key at auth.api-keys entry 1: expected sha256: and 64"
                            + " lowercase hex digits");
        }
    }

    @Test
    void shouldRefuseOneKeyGivenTwiceEvenOnceHashedAndOnceNot(@TempDir Path dir) throws IOException {
        assertThatThrownBy(() -> keys("abc=acme", "k=beta", ABC_HASH + "=beta"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("The same API key is given twice: at auth.api-keys entry 1 and at auth.api-keys entry 3");
        Path file = dir.resolve("keys");
        Files.writeString(file, "abc=acme\n");
        assertThatThrownBy(() -> ApiKeys.of(List.of("abc=beta"), "auth.api-keys", file.toString()))
                .isInstanceOf(ConfigException.class)
                .hasMessage("The same API key is given twice: at auth.api-keys entry 1 and at API key file " + file
                        + " line 1");
    }

    @Test
    void shouldReadAFileOfEntriesWithCommentsAndBlankLinesNamingTheLineOfABadOne(@TempDir Path dir)
            throws IOException {
        Path file = dir.resolve("keys");
        Files.writeString(file, "# acme's exporter\n" + ApiKeys.hash("k-file") + "=gamma ingest\n\n"
                + "  k-plain = delta read  \r\n");

        ApiKeys keys = ApiKeys.of(List.of("k-env=epsilon"), "auth.api-keys", file.toString());

        assertThat(keys.size()).isEqualTo(3);
        assertThat(caller(keys, "k-file").tenant()).isEqualTo("gamma");
        assertThat(caller(keys, "k-file").scopes()).containsExactly(Scope.INGEST);
        assertThat(caller(keys, "k-plain").tenant()).isEqualTo("delta");
        assertThat(caller(keys, "k-env").tenant()).isEqualTo("epsilon");

        Files.writeString(file, "# comment\nk=gamma\n\nk2=delta reed\n");
        assertThatThrownBy(() -> ApiKeys.of(List.of(), "auth.api-keys", file.toString()))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("Unknown scope 'reed' at API key file " + file + " line 4:");
    }

    @Test
    void shouldRequireKeysWhenAFileIsSetEvenAnEmptyOne(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("keys");
        Files.writeString(file, "# no keys yet\n");

        ApiKeys keys = ApiKeys.of(List.of(), "auth.api-keys", file.toString());

        assertThat(keys.enabled()).isTrue();
        assertThat(keys.authenticate("Bearer anything")).isEmpty();
        assertThat(keys.authenticate(null)).isEmpty();
    }

    @Test
    void shouldCompareThePresentedKeyWithEveryKeyWhicheverMatches() {
        byte[][] digests = {{1}, {2}, {3}, {4}};
        for (byte presented : new byte[] {1, 4, 9}) {
            AtomicInteger comparisons = new AtomicInteger();
            int index = ApiKeys.indexOf(digests, new byte[] {presented}, (a, b) -> {
                comparisons.incrementAndGet();
                return MessageDigest.isEqual(a, b);
            });
            assertThat(index).isEqualTo(presented == 9 ? -1 : presented - 1);
            assertThat(comparisons).as("comparisons for %s", presented).hasValue(digests.length);
        }
    }

    @Test
    void shouldMakeNewKeysOf32RandomBytesInBase64Url() {
        SecureRandom random = new SecureRandom();
        Set<String> made = new HashSet<>();
        for (int i = 0; i < 100; i++) {
            String key = ApiKeys.newKey(random);
            assertThat(key).matches("sz_[A-Za-z0-9_-]{43}");
            made.add(key);
        }
        assertThat(made).hasSize(100);
    }

    @Test
    void shouldAcceptARotatedKeyAndRefuseARevokedOneOnReload(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("keys");
        Files.writeString(file, ApiKeys.hash("old") + "=acme ingest\n");
        try (ApiKeys keys = ApiKeys.of(List.of("env=beta"), "auth.api-keys", file.toString())) {
            assertThat(keys.reload()).as("unchanged").isFalse();

            Files.writeString(file, ApiKeys.hash("old") + "=acme ingest\n" + ApiKeys.hash("new") + "=acme read\n");
            assertThat(keys.reload()).isTrue();
            assertThat(caller(keys, "old").tenant()).isEqualTo("acme");
            assertThat(caller(keys, "new").scopes()).containsExactly(Scope.READ);

            Files.writeString(file, ApiKeys.hash("new") + "=acme read\n");
            assertThat(keys.reload()).isTrue();
            assertThat(keys.authenticate("Bearer old")).isEmpty();
            assertThat(caller(keys, "new").tenant()).isEqualTo("acme");
            assertThat(caller(keys, "env").tenant()).as("the setting's keys stay").isEqualTo("beta");
        }
    }

    @Test
    void shouldKeepTheKeysInUseWhenTheChangedFileIsInvalidOrGone(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("keys");
        Files.writeString(file, "k1=acme\n");
        try (ApiKeys keys = ApiKeys.of(List.of("env=beta"), "auth.api-keys", file.toString())) {
            for (String bad : List.of("k2=acme nonsense\n", "k2=Not Valid\n", "k2\n", "k2=acme\nk2=beta\n",
                    "env=acme\n")) {
                Files.writeString(file, bad);
                assertThat(keys.reload()).as(bad).isFalse();
                assertThat(keys.reload()).as(bad).isFalse();
                assertThat(caller(keys, "k1").tenant()).as(bad).isEqualTo("acme");
                assertThat(keys.authenticate("Bearer k2")).as(bad).isEmpty();
            }
            Files.delete(file);
            assertThat(keys.reload()).isFalse();
            assertThat(caller(keys, "k1").tenant()).isEqualTo("acme");
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            keys.bindTo(registry);
            assertThat(registry.get("auth.api.keys.file.stale").gauge().value()).isEqualTo(1);
            assertThat(registry.get("auth.api.keys").gauge().value()).isEqualTo(2);

            Files.writeString(file, "k2=acme\n");
            assertThat(keys.reload()).as("fixed").isTrue();
            assertThat(caller(keys, "k2").tenant()).isEqualTo("acme");
            assertThat(keys.authenticate("Bearer k1")).isEmpty();
            assertThat(registry.get("auth.api.keys.file.stale").gauge().value()).isZero();
        }
    }

    @Test
    void shouldReloadTheFileOnItsOwnWhenItsContentChanges(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("keys");
        Files.writeString(file, ApiKeys.hash("old") + "=acme\n");
        try (ApiKeys keys = ApiKeys.load(List.of(), "auth.api-keys", file.toString(), Duration.ofMillis(20))) {
            // Kubernetes updates a mounted secret by swapping a symlink: write beside it and move it in place.
            TestFiles.replaceAtomically(file, ApiKeys.hash("new") + "=acme\n");

            await().atMost(Duration.ofSeconds(10)).until(() -> keys.authenticate("Bearer new").isPresent());
            assertThat(keys.authenticate("Bearer old")).isEmpty();
        }
    }
}
