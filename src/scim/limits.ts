/**
 * Per-request limits of the SCIM API, so one request cannot hold a tenant's single writer for long
 * (documented in the README; `/ServiceProviderConfig` carries those the RFC has a place for).
 */

/** PATCH `Operations` per request. */
export const MAX_PATCH_OPERATIONS = 1000;
/** Elements of one multi-valued attribute in a request, and group members named by one request. */
export const MAX_VALUES_PER_ATTRIBUTE = 10_000;
/** Nesting of arrays and objects in a request body; no SCIM resource needs more than a handful. */
export const MAX_JSON_DEPTH = 64;
/** A resource's stored JSON (`data`): several multi-valued attributes at their value limit would be megabytes. */
export const MAX_STORED_RESOURCE_BYTES = 512 * 1024;
