/** Input validation with GitHub's 422 "Validation Failed" error shape. */
import { type z } from 'zod';
import { notFound, validationFailed, type ValidationErrorItem } from './http.js';

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/** Parses a request body; each problem becomes one `errors` item (missing_field or invalid). */
export function parseInput<S extends z.ZodType>(
  schema: S,
  input: unknown,
  resource: string,
): z.output<S> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const errors: ValidationErrorItem[] = result.error.issues.map((issue) => ({
    resource,
    field: issue.path.map(String).join('.'),
    code: valueAt(input, issue.path) === undefined ? 'missing_field' : 'invalid',
    message: issue.message,
  }));
  throw validationFailed(errors);
}

/** A numeric path parameter (issue number, comment id): anything else is a 404, as on GitHub. */
export function positiveIntParam(value: string): number {
  if (!/^[1-9]\d{0,15}$/.test(value)) throw notFound();
  return Number(value);
}

/** An optional query parameter restricted to a set of values. */
export function queryChoice<T extends string>(
  query: URLSearchParams,
  name: string,
  choices: readonly T[],
  fallback: T,
  resource: string,
): T {
  const value = query.get(name);
  if (value === null) return fallback;
  if ((choices as readonly string[]).includes(value)) return value as T;
  throw validationFailed([{ resource, field: name, code: 'invalid' }]);
}
