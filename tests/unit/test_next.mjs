// The login page's ?next= (data/www/static/next.js) never leaves the site:
// same-origin paths pass (normalised), everything that a browser would
// resolve to another origin becomes "/". Run by meson as the unit test
// "login-next" (node, no browser); prints TAP.
import { safeNext } from '../../data/www/static/next.js';

const ORIGIN = 'http://127.0.0.1:8080';
const cases = [
  // [next, expected]
  ['/', '/'],
  ['/upload', '/upload'],
  ['/watch/AbC_d-3fGh1?t=10#comments', '/watch/AbC_d-3fGh1?t=10#comments'],
  ['/search?q=%2F%2Fevil.example', '/search?q=%2F%2Fevil.example'],
  ['/a/../upload', '/upload'],
  ['//evil.example/x', '/'],
  ['/\\evil.example', '/'],
  ['/\t/evil.example', '/'],
  ['/\n/evil.example', '/'],
  ['/\r\n/evil.example', '/'],
  ['\\/evil.example', '/'],
  ['https://evil.example/', '/'],
  ['http://127.0.0.1:8080.evil.example/', '/'],
  ['javascript:alert(1)', '/'],
  ['  /upload', '/'],
  ['', '/'],
  [null, '/'],
  ['/%2F%2Fevil.example', '/%2F%2Fevil.example'],
  ['/\\\\evil.example', '/'],
  ['///evil.example', '/'],
];
let failed = 0;
console.log(`1..${cases.length}`);
cases.forEach(([next, want], i) => {
  const got = safeNext(next, ORIGIN);
  // Whatever passes must resolve on this origin.
  const stays = new URL(got, ORIGIN).origin === ORIGIN;
  const ok = got === want && stays;
  if (!ok) failed++;
  console.log(`${ok ? 'ok' : 'not ok'} ${i + 1} - ${JSON.stringify(next)} -> ${JSON.stringify(got)}${ok ? '' : ` (want ${JSON.stringify(want)})`}`);
});
process.exit(failed ? 1 : 0);
