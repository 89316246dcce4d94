// Builds the web app (index.html and src/) into app/, which is committed and
// embedded in the api binary (embed.go). The output must be the same for the
// same sources (`make verify` rebuilds and diffs it), so file names are fixed
// (app.js, app.css, one name per lazy chunk) rather than content hashes; the
// server revalidates every file by its ETag.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import tailwindcss from "@tailwindcss/vite";
import react from "@vitejs/plugin-react";
import { defineConfig, type Plugin } from "vite";

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

// The generated clients list protovalidate's descriptor (70 KB of base64)
// as a dependency; the bundle gets a stub with the same top-level messages
// instead (src/lib/validate-stub.ts). TypeScript still checks against the
// real file.
function validateStub(): Plugin {
  const real = here("./src/gen/buf/validate/validate_pb.ts");
  const id = "\0validate-stub";
  return {
    name: "betterplan-validate-stub",
    enforce: "pre",
    resolveId(source, importer) {
      if (importer?.includes("/src/gen/") && /(^|\/)buf\/validate\/validate_pb\.js$/.test(source)) return id;
      return null;
    },
    load(loadId) {
      if (loadId !== id) return null;
      const names = [...readFileSync(real, "utf8").matchAll(/@generated from message buf\.validate\.([A-Za-z0-9_]+)\s*$/gm)].map((m) => m[1]);
      return `import { stubFile } from ${JSON.stringify(here("./src/lib/validate-stub.ts"))};\n` +
        `export const file_buf_validate_validate = stubFile(${JSON.stringify(names)});\n`;
    },
  };
}

export default defineConfig({
  base: "/app/",
  publicDir: false,
  plugins: [validateStub(), react(), tailwindcss()],
  resolve: {
    alias: [
      // Radix's scroll lock adds <style> elements, which the page's
      // Content-Security-Policy refuses; this one uses constructed
      // stylesheets instead.
      { find: /^react-style-singleton$/, replacement: here("./src/lib/csp-style-singleton.ts") },
      // twitter-text imports core-js 2 polyfills for ES2015 features every
      // browser the app supports has; they would only patch built-ins.
      { find: /^core-js\/modules\/.*$/, replacement: here("./src/lib/empty.ts") },
    ],
  },
  // `npm run dev` serves the app with hot reload at http://localhost:5173/app/
  // and passes the API's calls to the api (BETTERPLAN_API, default :3000).
  server: {
    proxy: {
      "^/(betterplan\\.|api/)": { target: process.env.BETTERPLAN_API ?? "http://localhost:3000", changeOrigin: false },
    },
  },
  build: {
    outDir: "app",
    emptyOutDir: true,
    target: "es2022",
    sourcemap: false,
    reportCompressedSize: false,
    chunkSizeWarningLimit: 1000,
    modulePreload: { polyfill: false },
    rolldownOptions: {
      output: {
        entryFileNames: "app.js",
        chunkFileNames: "[name].js",
        assetFileNames: (asset) => (asset.names.some((n) => n.endsWith(".css")) ? "app.css" : "[name][extname]"),
        comments: { legal: false },
      },
    },
  },
});
