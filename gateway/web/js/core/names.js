/**
 * People's names for ids shown in histories and lists, read once per page load: my own school's
 * names list (any colleague may read it: names only), or for oversight staff the school's
 * directory. The signed-in person's name comes from the token.
 */
import * as svc from '../services.js';

const cache = new Map();

export async function namesOf(schoolId, user) {
  if (schoolId && !cache.has(schoolId)) {
    const read = user && user.tenant === schoolId ? svc.colleagueNames(schoolId) : svc.people(schoolId);
    cache.set(schoolId, read
      .then((list) => new Map(list.map((p) => [p.id, p.full_name])))
      .catch(() => new Map()));
  }
  const names = new Map(schoolId ? await cache.get(schoolId) : []);
  if (user) names.set(user.sub, user.name);
  return names;
}

export function forgetNames() { cache.clear(); }

/**
 * What a submission is, as people say it: the book and, for a book kept per document (a học bạ
 * per student), the document's title and its class: "Học bạ — Lê Gia Huy — Lớp 4A".
 */
export function subjectOf(sub) {
  const parts = [sub.book_name];
  if (sub.per_document && sub.document_title) parts.push(sub.document_title);
  if (sub.per_document && sub.unit_name) parts.push(sub.unit_name);
  return parts.filter(Boolean).join(' — ');
}
