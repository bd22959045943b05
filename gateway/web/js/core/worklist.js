/**
 * The signing worklist of this browser: submissions with signing steps that the signed-in person
 * has approved, opened, or added by their link. The approvals service offers no "waiting for my
 * signature" list yet, so the signing and văn thư pages build theirs from what the person saw;
 * each entry is re-read from the service before it is shown, so state is never taken from here.
 */
const key = (user) => `hoso.worklist.${user.sub}`;

export function worklist(user) {
  try { return JSON.parse(localStorage.getItem(key(user)) || '[]'); } catch { return []; }
}

export function remember(user, sub) {
  if (!sub || !sub.signing || !(sub.signing.steps || []).length) return;
  const ids = worklist(user).filter((id) => id !== sub.id);
  ids.unshift(sub.id);
  localStorage.setItem(key(user), JSON.stringify(ids.slice(0, 500)));
}

export function rememberId(user, id) {
  const ids = worklist(user).filter((x) => x !== id);
  ids.unshift(id);
  localStorage.setItem(key(user), JSON.stringify(ids.slice(0, 500)));
}

export function forget(user, id) {
  localStorage.setItem(key(user), JSON.stringify(worklist(user).filter((x) => x !== id)));
}

/** The submission id in a pasted link (".../bai-nop/<id>") or the id itself. */
export function idFrom(text) {
  const m = /\/bai-nop\/([^/?#\s]+)/.exec(text);
  return (m ? decodeURIComponent(m[1]) : text).trim();
}
