/** API keys: which bearer token belongs to which tenant, checked in constant time. */
package io.sessionizer.ingest.auth;
