package io.sessionizer.schemas.otlp;

import java.util.List;

/**
 * What {@link LogSplitter} made of one logs export request.
 *
 * @param batches one entry per trace, in the order the traces first appeared
 * @param acceptedRecords log records kept in {@code batches}
 * @param recordsWithoutTrace log records left out because they carry no valid trace id
 */
public record LogSplitResult(List<LogBatch> batches, int acceptedRecords, int recordsWithoutTrace) {
}
