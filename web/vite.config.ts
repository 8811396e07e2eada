// The dashboard builds into the Python package, so `pip install` needs no Node.
// The build is deterministic (content-hashed names, no timestamps), which lets
// `make web-check` rebuild it and compare with the committed copy.
import { defineConfig, loadEnv } from "vite";

export default defineConfig(({ mode }) => {
  // `HOSTWATCH_URL=http://127.0.0.1:PORT npm run dev` points the dev server at another hub.
  const hub = loadEnv(mode, ".", "HOSTWATCH_").HOSTWATCH_URL ?? "http://127.0.0.1:20021";
  return {
    base: "/",
    build: {
      outDir: "../src/hostwatch/web",
      emptyOutDir: true,
      target: "es2022",
      sourcemap: false,
      assetsInlineLimit: 0,
    },
    server: {
      // `npm run dev` serves the source with hot reload and forwards the API to a running hub.
      proxy: {
        "/api": hub,
        "/healthz": hub,
        "/ws": { target: hub.replace(/^http/, "ws"), ws: true },
      },
    },
  };
});
