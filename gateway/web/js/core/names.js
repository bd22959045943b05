/**
 * People's names for ids shown in histories and lists. The school's directory is read once per
 * page load when the caller may read it (principal, quản trị, district); otherwise people are
 * shown by their account name, except the signed-in person, whose name the token carries.
 */
import * as svc from '../services.js';

const cache = new Map();

export async function namesOf(schoolId, user) {
  if (schoolId && !cache.has(schoolId)) {
    cache.set(schoolId, svc.people(schoolId)
      .then((list) => new Map(list.map((p) => [p.id, p.full_name])))
      .catch(() => new Map()));
  }
  const names = new Map(schoolId ? await cache.get(schoolId) : []);
  if (user) names.set(user.sub, user.name);
  return names;
}

export function forgetNames() { cache.clear(); }
