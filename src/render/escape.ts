// Escaping for everything that ends up in HTML or SVG. Run names, spec text and error messages are
// user-controlled; none of them may become markup.

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

/** SVG text and attributes need the same five characters escaped. */
export const escapeXml = escapeHtml;

/**
 * Turns a relative file path (as written on disk, not URL-encoded) into a safe relative href:
 * each segment is percent-encoded, backslashes become '/', and anything with a URL scheme
 * (javascript:, http:, file:) or an absolute path is refused (null), so a link can only point
 * at a file beside the page.
 */
export function relativeHref(filePath: string | null | undefined): string | null {
  if (!filePath) return null;
  const normalised = filePath.replace(/\\/g, '/');
  if (/^[a-z][a-z0-9+.-]*:/i.test(normalised) || normalised.startsWith('/')) return null;
  return normalised
    .split('/')
    .map((segment) => (segment === '.' || segment === '..' ? segment : encodeURIComponent(segment)))
    .join('/');
}
