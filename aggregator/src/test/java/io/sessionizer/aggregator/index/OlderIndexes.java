package io.sessionizer.aggregator.index;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.SegmentInfos;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;

/**
 * Session indexes on disk as an older build would have left them, for tests that check that such an index is rebuilt
 * rather than read.
 */
public final class OlderIndexes {
    private OlderIndexes() {
    }

    /**
     * Rewrites the last Lucene commit of the stopped task's index in {@code dir} as one of the previous
     * {@link SessionIndexStore#FORMAT}, closed cleanly at the marker the stores hold, and holding no document: an index
     * that a build trusting it would misread as that task having no sessions.
     *
     * @throws AssertionError unless the index was left by a clean close of this format, which alone would be reused
     */
    public static void rewriteAsPreviousFormat(Path dir) throws IOException {
        try (Directory directory = FSDirectory.open(dir)) {
            Map<String, String> last = SegmentInfos.readLatestCommit(directory).getUserData();
            if (!"true".equals(last.get(SessionIndexStore.CLEAN_KEY))
                    || !String.valueOf(SessionIndexStore.FORMAT).equals(last.get(SessionIndexStore.FORMAT_KEY))
                    || last.get(SessionIndexStore.MARKER_KEY) == null) {
                throw new AssertionError("The index in " + dir + " was not closed cleanly at a marker: " + last);
            }
            Map<String, String> older = new HashMap<>(last);
            older.put(SessionIndexStore.FORMAT_KEY, String.valueOf(SessionIndexStore.FORMAT - 1));
            try (IndexWriter writer = new IndexWriter(directory, new IndexWriterConfig(IndexDocuments.ANALYZER)
                    .setOpenMode(IndexWriterConfig.OpenMode.APPEND))) {
                writer.deleteAll();
                writer.setLiveCommitData(older.entrySet());
                writer.commit();
            }
        }
    }
}
