package io.sessionizer.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** Files that a test changes under a running service, as an operator or Kubernetes would change them. */
public final class TestFiles {
    private TestFiles() {
    }

    /**
     * Replaces {@code file}'s content at once: written beside it, then moved in place atomically (as Kubernetes swaps
     * a mounted secret), so that a reloading reader never sees it half written.
     */
    public static void replaceAtomically(Path file, String content) {
        Path next = file.resolveSibling(file.getFileName() + ".next");
        try {
            Files.writeString(next, content);
            Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
