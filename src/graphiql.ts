import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

import type { GraphiQLOptions, Plugin } from 'graphql-yoga';

/**
 * GraphiQL served from this process. Yoga's built-in page loads its scripts from a public CDN,
 * which fails on machines without internet access and in front of a strict CSP; the same
 * GraphiQL build (`@graphql-yoga/graphiql`) is served here from node_modules instead.
 */
export const GRAPHIQL_ASSET_PATH = '/graphiql/';

const ASSETS: Record<string, string> = {
  'graphiql.css': 'text/css; charset=utf-8',
  'yoga-graphiql.umd.js': 'text/javascript; charset=utf-8',
  'monacoeditorwork/editor.worker.bundle.js': 'text/javascript; charset=utf-8',
  'monacoeditorwork/json.worker.bundle.js': 'text/javascript; charset=utf-8',
  'monacoeditorwork/graphql.worker..bundle.js': 'text/javascript; charset=utf-8',
};

// The package exports only its entry points; its dist folder sits next to package.json.
const distDirectory = join(
  dirname(createRequire(import.meta.url).resolve('@graphql-yoga/graphiql/package.json')),
  'dist',
);

/** File contents, read on first use and kept: a few MB, served with a day of caching. */
const loaded = new Map<string, Buffer<ArrayBuffer>>();

function asset(name: string): Buffer<ArrayBuffer> {
  let content = loaded.get(name);
  if (content === undefined) {
    content = readFileSync(join(distDirectory, name));
    loaded.set(name, content);
  }

  return content;
}

/** Serves the allow-listed GraphiQL files under `/graphiql/`; any other path passes through. */
export function useGraphiQLAssets(): Plugin {
  return {
    onRequest({ url, endResponse, fetchAPI }) {
      if (!url.pathname.startsWith(GRAPHIQL_ASSET_PATH)) {
        return;
      }

      const name = url.pathname.slice(GRAPHIQL_ASSET_PATH.length);
      const type = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
      if (type === undefined) {
        endResponse(new fetchAPI.Response('Not found', { status: 404 }));

        return;
      }

      endResponse(
        new fetchAPI.Response(asset(name), {
          headers: { 'content-type': type, 'cache-control': 'public, max-age=86400' },
        }),
      );
    },
  };
}

/** The GraphiQL page: the bundled editor, configured with Yoga's options. */
export function renderGraphiQLPage(options: GraphiQLOptions): string {
  // `<` is escaped so a title or default query can never close the script element.
  // The bundled GraphiQL opens its first tab from `initialQuery`; Yoga names it `defaultQuery`.
  const settings = JSON.stringify({ ...options, initialQuery: options.defaultQuery }).replace(
    /</g,
    '\\u003c',
  );
  const title = (options.title ?? 'GraphiQL').replace(/[<>&"]/g, '');
  const base = GRAPHIQL_ASSET_PATH;

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${title}</title>
<link rel="stylesheet" href="${base}graphiql.css">
</head>
<body id="body" class="no-focus-outline">
<div id="root">Loading ${title}…</div>
<script>
  // Monaco runs its language services in workers, created from same-origin blobs.
  const workerFiles = {
    editorWorkerService: '${base}monacoeditorwork/editor.worker.bundle.js',
    json: '${base}monacoeditorwork/json.worker.bundle.js',
    graphql: '${base}monacoeditorwork/graphql.worker..bundle.js',
  };
  const workerUrls = {};
  const workersReady = Promise.all(
    Object.entries(workerFiles).map(async ([label, file]) => {
      const source = await (await fetch(file)).text();
      workerUrls[label] = URL.createObjectURL(
        new Blob([source], { type: 'application/javascript' }),
      );
    }),
  );
  self.MonacoEnvironment = { globalAPI: false, getWorkerUrl: (_id, label) => workerUrls[label] };
</script>
<script src="${base}yoga-graphiql.umd.js"></script>
<script>
  workersReady.finally(() => YogaGraphiQL.renderYogaGraphiQL(root, ${settings}));
</script>
</body>
</html>`;
}
