import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { ResearchDocument } from './documents-store';

/**
 * The source ports: what NEMO can read and how each kind of source is turned into documents. `rss` reads RSS 2.0
 * items and Atom entries (news); `json` reads a list of posts (forums, social feeds, or an operator-run bridge to
 * them), either a top-level array or one under `items`, `posts` or `data`. The raw form of each item is kept
 * beside its text, because hidden markup (comments, alt text, styled-away spans) is where injections hide.
 */
export const sourceSchema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be a short lowercase id such as coindesk-rss'),
  kind: z.enum(['rss', 'json']),
  url: z.url(),
});

export type SourceSpec = z.infer<typeof sourceSchema>;

export function parseSources(text: string): SourceSpec[] {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new RangeError('NEMO_RESEARCH_SOURCES must be a JSON list of {"id", "kind": "rss"|"json", "url"}');
  }
  const parsed = z.array(sourceSchema).safeParse(raw);
  if (!parsed.success) {
    throw new RangeError(
      `NEMO_RESEARCH_SOURCES: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  return parsed.data;
}

export interface FeedItem {
  document: ResearchDocument;
  /** The item as received (markup included), screened along with the text. */
  raw: string;
}

const MAX_ITEMS = 200;

const ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
    if (name[0] === '#') {
      const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      return Number.isFinite(code) && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return ENTITIES[name.toLowerCase()] ?? whole;
  });
}

/** Markup to readable text: CDATA unwrapped, scripts and styles dropped, tags removed, entities decoded. */
export function textOfMarkup(markup: string): string {
  const unwrapped = markup.replace(/<!\[CDATA\[([\s\S]*?)\]\]>/g, '$1');
  const decodedOnce = /<[a-z!/]/i.test(unwrapped) ? unwrapped : decodeEntities(unwrapped);
  return decodeEntities(
    decodedOnce
      .replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ')
      .replace(/<!--[\s\S]*?-->/g, ' ')
      .replace(/<[^>]+>/g, ' '),
  )
    .replace(/\s+/g, ' ')
    .trim();
}

function tag(block: string, name: string): string | undefined {
  const match = new RegExp(`<${name}(?:\\s[^>]*)?>([\\s\\S]*?)</${name}>`, 'i').exec(block);
  return match?.[1];
}

function fallbackId(parts: (string | undefined)[]): string {
  return createHash('sha256').update(parts.filter(Boolean).join('\n')).digest('hex').slice(0, 32);
}

function parseRss(text: string, source: string): FeedItem[] {
  const blocks = [...text.matchAll(/<(item|entry)(?:\s[^>]*)?>([\s\S]*?)<\/\1>/gi)].slice(0, MAX_ITEMS);
  return blocks.map(([raw, , block]) => {
    const title = tag(block!, 'title');
    const body =
      tag(block!, 'description') ??
      tag(block!, 'content:encoded') ??
      tag(block!, 'content') ??
      tag(block!, 'summary') ??
      '';
    const link = tag(block!, 'link') ?? /<link[^>]*href="([^"]+)"/i.exec(block!)?.[1];
    const guid = tag(block!, 'guid') ?? tag(block!, 'id');
    const published = tag(block!, 'pubDate') ?? tag(block!, 'published') ?? tag(block!, 'updated');
    const publishedAt =
      published && !Number.isNaN(Date.parse(textOfMarkup(published)))
        ? new Date(textOfMarkup(published)).toISOString()
        : undefined;
    return {
      raw: raw!,
      document: {
        source,
        externalId: textOfMarkup(guid ?? link ?? '') || fallbackId([title, body]),
        url: link ? textOfMarkup(link) : undefined,
        author: tag(block!, 'author') ? textOfMarkup(tag(block!, 'author')!) : undefined,
        publishedAt,
        title: title ? textOfMarkup(title) : undefined,
        body: textOfMarkup(body),
      },
    };
  });
}

const postSchema = z.object({
  id: z.union([z.string(), z.number()]).optional(),
  author: z.string().optional(),
  title: z.string().optional(),
  text: z.string().optional(),
  body: z.string().optional(),
  url: z.string().optional(),
  publishedAt: z.string().optional(),
});

function parseJsonPosts(text: string, source: string): FeedItem[] {
  const data: unknown = JSON.parse(text);
  const list = Array.isArray(data)
    ? data
    : ((data as Record<string, unknown>)?.items ??
      (data as Record<string, unknown>)?.posts ??
      (data as Record<string, unknown>)?.data);
  if (!Array.isArray(list))
    throw new RangeError(`source ${source}: expected a JSON list of posts (or one under items, posts or data)`);
  return list.slice(0, MAX_ITEMS).flatMap((entry) => {
    const post = postSchema.safeParse(entry);
    if (!post.success) return [];
    const { id, author, title, text: t, body, url, publishedAt } = post.data;
    const content = t ?? body ?? '';
    if (!content && !title) return [];
    return [
      {
        raw: JSON.stringify(entry),
        document: {
          source,
          externalId: id !== undefined ? String(id) : fallbackId([author, title, content]),
          url,
          author,
          publishedAt:
            publishedAt && !Number.isNaN(Date.parse(publishedAt)) ? new Date(publishedAt).toISOString() : undefined,
          title: title ? textOfMarkup(title) : undefined,
          body: textOfMarkup(content),
        },
      },
    ];
  });
}

export function parseFeed(spec: SourceSpec, text: string): FeedItem[] {
  return spec.kind === 'rss' ? parseRss(text, spec.id) : parseJsonPosts(text, spec.id);
}
