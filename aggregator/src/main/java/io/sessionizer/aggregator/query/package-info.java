/** Interactive queries: decides whether a key is served here, unknown, or not queryable right now. */
package io.sessionizer.aggregator.query;
