// Unit tests of the app's logic (src/**/*.test.ts) in jsdom (DOMPurify is exact there; happy-dom mis-sanitises).
import { defineConfig } from "vitest/config";

export default defineConfig({
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.ts"],
    testTimeout: 10000,
  },
});
