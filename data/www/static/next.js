// Where the login page may send someone once they are logged in (?next=):
// a page of this site only, never another origin. A prefix test is not
// enough: the URL parser drops tabs and newlines and reads "\" as "/" in
// http(s) URLs, so "/\t/evil.example" or "/\\evil.example" would leave the
// site. The candidate is therefore resolved the way the browser will
// resolve it, and kept only when it lands on this origin. No DOM: node
// tests it (tests/unit/test_next.mjs).
export function safeNext(next, origin) {
  if (typeof next !== 'string' || !next.startsWith('/')) return '/';
  let url;
  try {
    url = new URL(next, origin);
  } catch {
    return '/';
  }
  if (url.origin !== new URL(origin).origin) return '/';
  return url.pathname + url.search + url.hash;
}
