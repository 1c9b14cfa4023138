/** State store names and key layouts: composite keys that RocksDB keeps in order, so transcripts are range scans. */
package io.sessionizer.aggregator.store;
