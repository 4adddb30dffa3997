import { readFile, realpath } from 'node:fs/promises';
import path from 'node:path';

/**
 * The page's static files, from one directory only: a request that decodes to anything
 * outside it ('..', an absolute path, a symlink leading out, a NUL byte) is refused, and a
 * file is served with the content type of its extension (and nosniff, so a browser never
 * guesses another).
 */

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

/** The content type for a file name ('application/octet-stream' when unknown). */
export function contentTypeOf(file: string): string {
  return CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/** What reading an asset gave. */
export type AssetResult =
  | { readonly status: 200; readonly body: Buffer; readonly contentType: string }
  | { readonly status: 400 | 403 | 404; readonly error: string };

/**
 * Reads `encodedName` (the URL path after '/assets/', still percent-encoded) from `root`.
 * 403 for anything that would leave `root`, 404 for a missing file.
 */
export async function readAsset(root: string, encodedName: string): Promise<AssetResult> {
  let name: string;
  try {
    name = decodeURIComponent(encodedName);
  } catch {
    return { status: 400, error: `bad percent-encoding in asset name '${encodedName}'` };
  }
  const segments = name.split(/[\\/]/);
  if (name.length === 0 || name.includes('\0') || path.isAbsolute(name) || segments.some((s) => s === '..' || s === '.' || s === '')) {
    return { status: 403, error: `asset name '${name}' is not a plain path inside the assets directory` };
  }
  const base = path.resolve(root);
  const file = path.resolve(base, name);
  if (!file.startsWith(base + path.sep)) return { status: 403, error: `asset '${name}' is outside the assets directory` };
  try {
    // realpath: a symlink inside the directory must not lead out of it.
    const [realBase, realFile] = await Promise.all([realpath(base), realpath(file)]);
    if (!realFile.startsWith(realBase + path.sep)) return { status: 403, error: `asset '${name}' is outside the assets directory` };
    const body = await readFile(realFile);
    return { status: 200, body, contentType: contentTypeOf(realFile) };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EISDIR' || code === 'ENOTDIR') return { status: 404, error: `no asset '${name}'` };
    throw error;
  }
}
