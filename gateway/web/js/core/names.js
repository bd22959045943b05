/**
 * People's names for ids shown in histories and lists. The school's directory is read once per
 * page load when the caller may read it; otherwise the account name (the id) is shown.
 */
import * as svc from '../services.js';

const cache = new Map();

export async function namesOf(schoolId) {
  if (!schoolId) return new Map();
  if (!cache.has(schoolId)) {
    cache.set(schoolId, svc.people(schoolId)
      .then((list) => new Map(list.map((p) => [p.id, p.full_name])))
      .catch(() => new Map()));
  }
  return cache.get(schoolId);
}

export function forgetNames() { cache.clear(); }
