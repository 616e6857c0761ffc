/** A JSON object as parsed: any keys, values yet to be checked. */
export type JsonObject = Record<string, unknown>;

/** True for a JSON object (not null, not an array): what a lenient reader checks before it reads a field. */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
