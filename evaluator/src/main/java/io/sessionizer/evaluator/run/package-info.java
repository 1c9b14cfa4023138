/**
 * {@code sessionizer evaluate}: its settings, the consumer loop over {@code session-events}, the client of the
 * sessions API that reads a session and writes its verdicts, and the loading of the judges.
 */
package io.sessionizer.evaluator.run;
