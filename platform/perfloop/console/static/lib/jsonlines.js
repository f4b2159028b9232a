// Where a JSON pointer is in a JSON text: the line of the value it names, so an
// editor can mark and jump to the place of a validation problem.
//
//   pointerLines(text)            → Map("/key" → 4, "/items/0/weight" → 12, …) (1-based)
//   lineOfPointer(lines, pointer) → the line of the pointer, else of its nearest parent
//
// A small scanner over the text (no dependency); on a syntax error it returns what it
// found up to there.

function scan(text) {
  const lines = new Map();
  let i = 0;
  let line = 1;
  const space = () => {
    while (i < text.length && " \t\n\r".includes(text[i])) {
      if (text[i] === "\n") line += 1;
      i += 1;
    }
  };
  const string = () => {
    const start = i;
    i += 1;
    while (i < text.length && text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
    i += 1;
    return JSON.parse(text.slice(start, i));
  };
  const escape = (name) => String(name).replaceAll("~", "~0").replaceAll("/", "~1");
  const value = (pointer) => {
    space();
    lines.set(pointer, line);
    const c = text[i];
    if (c === "{") {
      i += 1;
      space();
      while (i < text.length && text[i] !== "}") {
        space();
        const name = string();
        const at = line;
        space();
        if (text[i] !== ":") throw new SyntaxError("expected :");
        i += 1;
        value(`${pointer}/${escape(name)}`);
        if (lines.get(`${pointer}/${escape(name)}`) !== at) lines.set(`${pointer}/${escape(name)}`, at);
        space();
        if (text[i] === ",") i += 1;
        else if (text[i] !== "}") throw new SyntaxError("expected , or }");
        space();
      }
      i += 1;
    } else if (c === "[") {
      i += 1;
      let index = 0;
      space();
      while (i < text.length && text[i] !== "]") {
        value(`${pointer}/${index}`);
        index += 1;
        space();
        if (text[i] === ",") i += 1;
        else if (text[i] !== "]") throw new SyntaxError("expected , or ]");
        space();
      }
      i += 1;
    } else if (c === '"') {
      string();
    } else {
      const m = /^[-+0-9.eE]+|^true|^false|^null/.exec(text.slice(i, i + 40));
      if (!m) throw new SyntaxError("unexpected token");
      i += m[0].length;
    }
  };
  try {
    value("");
  } catch {
    // a text that is not JSON (yet): keep the places found so far
  }
  return lines;
}

export function pointerLines(text) {
  return scan(text);
}

/** The line of pointer, or of the nearest parent the text holds (1 at worst). */
export function lineOfPointer(lines, pointer) {
  let at = pointer ?? "";
  while (at && !lines.has(at)) at = at.slice(0, at.lastIndexOf("/"));
  return lines.get(at) ?? 1;
}

/** The text's character offset where line (1-based) starts and ends. */
export function lineRange(text, line) {
  let start = 0;
  for (let n = 1; n < line; n += 1) {
    const next = text.indexOf("\n", start);
    if (next < 0) break;
    start = next + 1;
  }
  const end = text.indexOf("\n", start);
  return [start, end < 0 ? text.length : end];
}
