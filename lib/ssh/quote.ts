/**
 * Shell quoting for commands run over SSH: an argument is left bare only when it holds nothing a
 * POSIX shell (or bash's history expansion) would interpret; otherwise it is single-quoted. Commands
 * are built from argument lists, never by concatenating raw text. `shellSplit` is the inverse, for
 * the lab's SSH server.
 *
 * @example
 * ```ts
 * shellCommand(["pveum", "user", "add", "strata@pve", "--comment", "it's ours"]);
 * // pveum user add strata@pve --comment 'it'\''s ours'
 * ```
 */
/** One argument, quoted for a POSIX shell. */
export function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}

/** A command line from its arguments, each quoted. */
export function shellCommand(args: string[]): string {
  return args.map(shellQuote).join(" ");
}

/** Splits a command line as a POSIX shell would (quotes and backslashes; no expansion). */
export function shellSplit(line: string): string[] {
  const out: string[] = [];
  let cur = "", inWord = false, i = 0;
  while (i < line.length) {
    const c = line[i];
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new Error("unterminated quote");
      cur += line.slice(i + 1, end);
      i = end + 1;
      inWord = true;
    } else if (c === '"') {
      i++;
      while (i < line.length && line[i] !== '"') {
        if (line[i] === "\\" && i + 1 < line.length) i++;
        cur += line[i++];
      }
      if (line[i] !== '"') throw new Error("unterminated quote");
      i++;
      inWord = true;
    } else if (c === "\\" && i + 1 < line.length) {
      cur += line[i + 1];
      i += 2;
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) out.push(cur);
      cur = "";
      inWord = false;
      i++;
    } else {
      cur += c;
      inWord = true;
      i++;
    }
  }
  if (inWord) out.push(cur);
  return out;
}
