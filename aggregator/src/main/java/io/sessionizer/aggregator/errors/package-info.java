/**
 * Where every failure goes: records that cannot be processed, serialized or produced to the dead-letter topic, bounded
 * so that the dead letter itself always fits; transient stream-thread failures to a replacement thread with backoff;
 * the rest to one log line and a stopped instance.
 */
package io.sessionizer.aggregator.errors;
