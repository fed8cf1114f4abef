/**
 * The XML of XRootD's summary reports (xrd.report), read strictly: elements with attributes and
 * text, mixed content (`<node>2<stats .../></node>`) kept as the element's text. Packets come from
 * the network, so anything else (comments, entities, CDATA, more than 16 levels or 10,000
 * elements) is refused with a reason, never thrown past the caller.
 */

export interface XmlElement {
  readonly name: string;
  readonly attrs: Readonly<Record<string, string>>;
  /** Text directly inside the element, trimmed (the `2` of `<node>2<stats/>...</node>`). */
  text: string;
  readonly children: XmlElement[];
}

const MAX_DEPTH = 16;
const MAX_ELEMENTS = 10_000;
const NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
const ATTR = /\s*([A-Za-z_][A-Za-z0-9_.-]*)="([^"<>&]*)"/y;

export class ReportXmlError extends Error {}

/** Parses one document; throws ReportXmlError for anything that is not a plain report. */
export function parseReportXml(text: string): XmlElement {
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  let count = 0;
  let i = 0;
  const fail = (why: string): never => { throw new ReportXmlError(`${why} at offset ${i}`); };
  while (i < text.length) {
    const lt = text.indexOf('<', i);
    const chunk = (lt < 0 ? text.slice(i) : text.slice(i, lt)).trim();
    if (chunk) {
      if (!stack.length) fail('text outside the document');
      // `>` may stand in text (XML allows it), as in the `<hits>0></hits>` of a cache server's report before 5.7.0.
      if (/[<&]/.test(chunk)) fail('markup in text');
      const top = stack[stack.length - 1];
      top.text = top.text ? `${top.text} ${chunk}` : chunk;
    }
    if (lt < 0) break;
    i = lt;
    const gt = text.indexOf('>', i);
    if (gt < 0) fail('unterminated tag');
    const tag = text.slice(i + 1, gt);
    if (tag.startsWith('/')) {
      const name = tag.slice(1).trim();
      const open = stack.pop();
      if (!open || open.name !== name) fail(`closing </${name}> does not match`);
      if (!stack.length) root = open;
    } else {
      if (root) fail('a second document');
      const selfClosing = tag.endsWith('/');
      const body = selfClosing ? tag.slice(0, -1) : tag;
      const space = body.search(/\s/);
      const name = space < 0 ? body : body.slice(0, space);
      if (!NAME.test(name)) fail(`not an element name: ${JSON.stringify(name.slice(0, 20))}`);
      const attrs: Record<string, string> = Object.create(null);
      let rest = space < 0 ? '' : body.slice(space);
      ATTR.lastIndex = 0;
      let m: RegExpExecArray | null;
      let used = 0;
      while ((m = ATTR.exec(rest))) { attrs[m[1]] = m[2]; used = ATTR.lastIndex; }
      rest = rest.slice(used);
      if (rest.trim()) fail(`malformed attributes of <${name}>`);
      if (++count > MAX_ELEMENTS) fail('too many elements');
      const el: XmlElement = { name, attrs, text: '', children: [] };
      if (stack.length) stack[stack.length - 1].children.push(el);
      else if (selfClosing) root = el;
      if (!selfClosing) {
        if (stack.length >= MAX_DEPTH) fail('nested too deeply');
        stack.push(el);
      }
    }
    i = gt + 1;
  }
  if (stack.length) fail(`<${stack[stack.length - 1].name}> is not closed`);
  if (!root) fail('no document');
  return root!;
}

/** The first child named `name`. */
export const child = (el: XmlElement | undefined, name: string): XmlElement | undefined => el?.children.find((c) => c.name === name);

/** The number in a child's text (or the element's own text without a name), undefined when it is not one. */
export function num(el: XmlElement | undefined, ...path: string[]): number | undefined {
  let at = el;
  for (const p of path) at = child(at, p);
  if (!at || !/^-?\d+(\.\d+)?$/.test(at.text)) return undefined;
  const n = Number(at.text);
  return Number.isFinite(n) ? n : undefined;
}
