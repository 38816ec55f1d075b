/** Opaque page cursors (an offset, base64url) and the limit parameter, checked as the venues check them. */
export function encodeCursor(offset: number): string {
  return Buffer.from(`o:${offset}`).toString('base64url');
}

/** The offset in a cursor, or undefined when the cursor is not one this venue issued. */
export function decodeCursor(cursor: string | null): number | undefined {
  if (!cursor) return 0;
  const match = /^o:(\d{1,9})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  return match ? Number(match[1]) : undefined;
}

/** A page of `items` from the request's cursor; `next` is '' on the last page. */
export function pageOf<T>(items: readonly T[], offset: number, limit: number): { page: T[]; next: string } {
  const page = items.slice(offset, offset + limit);
  return { page, next: offset + limit < items.length ? encodeCursor(offset + limit) : '' };
}
