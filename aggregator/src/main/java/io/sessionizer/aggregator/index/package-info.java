/**
 * The session index: an embedded Lucene index per stream task, derived from the session and transcript stores, that
 * lists, search, facets and stats read (ADR 007).
 */
package io.sessionizer.aggregator.index;
