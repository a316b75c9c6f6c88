/** A word as a POSIX shell reads it back: as is when plainly safe, else single-quoted. */
export function shellQuote(text: string): string {
  return /^[\w./=,:@+-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}
