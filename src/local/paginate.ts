// OpenAI cursor pagination: `after` an id, `limit` items, `has_more`.
import { badRequest } from './http.ts';

/** A page of an OpenAI list. */
export interface ListPage<T> {
  object: 'list';
  data: T[];
  has_more: boolean;
  /** Only on the lists whose schema has them (files, checkpoints); jobs and events lists have none. */
  first_id?: string | null;
  last_id?: string | null;
}

/** Parses `limit` from a query (default `fallback`, 1..max). */
export function parseLimit(query: URLSearchParams, max = 100, fallback = 20): number {
  const raw = query.get('limit');
  if (raw === null || raw === '') return fallback;
  const limit = Number(raw);
  if (!Number.isInteger(limit) || limit < 1 || limit > max) throw badRequest(`limit must be an integer from 1 to ${max} (got ${raw})`, 'limit');
  return limit;
}

/** The page of `items` (already in list order) that follows the item `after`; `cursors`: with first_id and last_id. */
export function paginate<T extends { id: string }>(items: T[], query: URLSearchParams, { max = 100, fallback = 20, cursors = false } = {}): ListPage<T> {
  const limit = parseLimit(query, max, fallback);
  const after = query.get('after');
  let start = 0;
  if (after) {
    const at = items.findIndex((item) => item.id === after);
    if (at < 0) throw badRequest(`after: no object with id '${after}' in this list`, 'after');
    start = at + 1;
  }
  const data = items.slice(start, start + limit);
  const page: ListPage<T> = { object: 'list', data, has_more: start + limit < items.length };
  return cursors ? { ...page, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null } : page;
}
