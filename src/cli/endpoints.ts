// Reading running instances' HTTP endpoints (/status, /stats) for `pf-bash status` and `pf-bash stats`: every
// URL asked at once, each answer checked for the document's shape, the failures named by URL.
import { type CliIo, ExitCode, type OptionSpec, type ParsedArgs, UsageError } from './args.ts';

export const DEFAULT_INSTANCE_URL = 'http://127.0.0.1:9094';

export const ENDPOINT_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  url: {
    type: 'string',
    multiple: true,
    value: 'URL',
    description: "a running instance's HTTP address (PF_HTTP_HOST:PF_HTTP_PORT); several are merged",
    defaultText: DEFAULT_INSTANCE_URL,
  },
  'timeout-ms': {
    type: 'string',
    value: 'MS',
    default: '5000',
    description: 'how long each instance may take',
  },
};

/** `host:port` → `http://host:port`; the base address without a trailing slash. */
export function instanceUrls(args: ParsedArgs): string[] {
  const given = args.strings('url');
  return (given.length === 0 ? [DEFAULT_INSTANCE_URL] : given).map((text) => {
    const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`;
    let url: URL;
    try {
      url = new URL(withScheme);
    } catch {
      throw new UsageError(
        `Expected \`--url\` to be an address such as ${DEFAULT_INSTANCE_URL}, got \`${text}\``,
      );
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new UsageError(`Expected \`--url\` to be an http:// or https:// address, got \`${text}\``);
    }
    return url.href.replace(/\/+$/, '');
  });
}

export type Fetched<T> =
  | { readonly url: string; readonly document: T }
  | { readonly url: string; readonly error: string };

/** GETs `path` of every instance; never rejects (each failure is described). `isDocument` checks the shape. */
export async function fetchDocuments<T>(
  urls: readonly string[],
  path: string,
  timeoutMs: number,
  isDocument: (value: unknown) => value is T,
): Promise<Fetched<T>[]> {
  return Promise.all(
    urls.map(async (url): Promise<Fetched<T>> => {
      try {
        const response = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(timeoutMs) });
        const text = await response.text();
        if (!response.ok) return { url, error: `HTTP ${response.status} from ${url}${path}` };
        const document: unknown = JSON.parse(text);
        if (!isDocument(document))
          return { url, error: `${url}${path} did not answer with a pf-bash document` };
        return { url, document };
      } catch (error) {
        // fetch says only "fetch failed"; its cause says why (ECONNREFUSED, a bad port).
        const cause = (error as Error).cause as { code?: string; message?: string } | undefined;
        const reason =
          (error as Error).name === 'TimeoutError'
            ? `no answer within ${timeoutMs} ms`
            : (cause?.code ?? cause?.message ?? (error as Error).message);
        return { url, error: `${url}${path}: ${reason}` };
      }
    }),
  );
}

/** An object whose `instances` is an array: what /status and /stats both answer. */
export function hasInstances(value: unknown): value is { instances: unknown[] } {
  return (
    typeof value === 'object' && value !== null && Array.isArray((value as { instances?: unknown }).instances)
  );
}

/**
 * Asks every instance for `path` and prints one JSON document: the instance's own for one URL, `merge` of all
 * that answered for several. Failures go to stderr, one line each, and make the exit code 1.
 */
export async function printMerged<T>(
  args: ParsedArgs,
  io: CliIo,
  path: string,
  isDocument: (value: unknown) => value is T,
  merge: (documents: readonly T[]) => unknown,
): Promise<number> {
  const urls = instanceUrls(args);
  const timeoutMs = args.integer('timeout-ms', 1) ?? 5_000;
  const fetched = await fetchDocuments(urls, path, timeoutMs, isDocument);
  const documents: T[] = [];
  for (const result of fetched) {
    if ('document' in result) documents.push(result.document);
    else io.stderr.write(`pf-bash${path.replace('/', ' ')}: ${result.error}\n`);
  }
  if (documents.length > 0) {
    const shown = urls.length === 1 ? documents[0] : merge(documents);
    io.stdout.write(`${JSON.stringify(shown, null, 2)}\n`);
  }
  return documents.length === fetched.length ? ExitCode.Ok : ExitCode.Failure;
}
