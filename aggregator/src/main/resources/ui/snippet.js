// A search hit's snippet (DESIGN.md, GET /api/v1/sessions with q): HTML-escaped text with the matched words in
// <mark>…</mark>. It is turned into text nodes and <mark> elements here, never parsed as HTML, so that a transcript
// stays text whatever the server or the data hold.

const MARK_OPEN = '<mark>';
const MARK_CLOSE = '</mark>';
const NAMED = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Decodes the entities an HTML escaper writes (&amp; &lt; &gt; &quot; &#39; &#x27; ...); any other '&' stays. */
export function decodeEntities(text) {
  return String(text).replace(/&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z]+);/g, (entity, body) => {
    if (body[0] !== '#') return Object.prototype.hasOwnProperty.call(NAMED, body) ? NAMED[body] : entity;
    const code = body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
    // A surrogate or a code point past Unicode is no character: kept as written.
    return code <= 0x10ffff && (code < 0xd800 || code > 0xdfff) ? String.fromCodePoint(code) : entity;
  });
}

/**
 * The snippet as a fragment of text nodes and <mark> elements. A '<mark>' without its '</mark>' marks up to the end;
 * a stray '</mark>' is dropped. Any other tag-like text arrives escaped and is shown as the characters it is.
 */
export function highlighted(snippet) {
  const fragment = document.createDocumentFragment();
  let rest = String(snippet ?? '');
  while (rest.length > 0) {
    const open = rest.indexOf(MARK_OPEN);
    const before = open < 0 ? rest : rest.slice(0, open);
    addText(fragment, before.split(MARK_CLOSE).join(''));
    if (open < 0) break;
    rest = rest.slice(open + MARK_OPEN.length);
    const close = rest.indexOf(MARK_CLOSE);
    const marked = close < 0 ? rest : rest.slice(0, close);
    const mark = document.createElement('mark');
    mark.textContent = decodeEntities(marked.split(MARK_OPEN).join(''));
    if (mark.textContent) fragment.append(mark);
    rest = close < 0 ? '' : rest.slice(close + MARK_CLOSE.length);
  }
  return fragment;
}

function addText(fragment, escaped) {
  if (escaped) fragment.append(document.createTextNode(decodeEntities(escaped)));
}
