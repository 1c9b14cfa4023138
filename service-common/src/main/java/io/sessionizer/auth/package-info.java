/** API keys that authenticate clients and fix their tenant and scopes, shared by the ingest and the aggregator. */
package io.sessionizer.auth;
