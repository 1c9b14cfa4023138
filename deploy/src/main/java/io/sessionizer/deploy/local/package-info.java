/** The one-command local stack: a KRaft broker in a child JVM, its topics, and ingest and aggregator in-process. */
package io.sessionizer.deploy.local;
