// The app is built into dist/ (index.html, hashed files under assets/),
// which the estafeta binary embeds or serves with `serve --web-dir`.
// No inline script or style is emitted: the page's CSP allows only
// 'self' scripts.
import { defineConfig } from "vite";

export default defineConfig({
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: {
    target: "es2022",
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    sourcemap: false,
  },
});
