// Builds the web app into web/dist, which the Worker serves as its static assets
// (wrangler.toml [assets]); the app calls /api on the same origin.
import { defineConfig } from "vitest/config";

export default defineConfig({
  publicDir: "public",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    // The size of what a phone downloads is measured (bench/README.md); keep the chunks honest.
    chunkSizeWarningLimit: 250,
    reportCompressedSize: false,
  },
  oxc: {
    jsx: { runtime: "automatic", importSource: "preact" },
  },
  test: {
    include: ["src/**/*.test.ts"],
    environment: "happy-dom",
  },
});
