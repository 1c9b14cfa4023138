/**
 * The one-command local stack: a KRaft broker in a supervised child JVM, its topics, the local registry, and ingest
 * and aggregator in this JVM, restarted with backoff when one fails.
 */
package io.sessionizer.launcher.local;
