package io.sessionizer.schemas.otlp;

import java.util.List;

/**
 * What {@link TraceSplitter} made of one export request.
 *
 * @param batches one entry per trace, in the order the traces first appeared
 * @param acceptedSpans spans kept in {@code batches}
 * @param rejectedSpans spans dropped because their ids are invalid
 * @param rejectionMessage why the first rejected span was dropped, or null when none was
 */
public record SplitResult(List<TraceBatch> batches, int acceptedSpans, int rejectedSpans, String rejectionMessage) {
}
