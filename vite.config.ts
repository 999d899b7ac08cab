// The dashboard: src/web built by Vite into dist/web, which the server serves at /.
import preact from "@preact/preset-vite";
import { defineConfig } from "vite";

export default defineConfig({
  root: "src/web",
  base: "/",
  plugins: [preact()],
  build: { outDir: "../../dist/web", emptyOutDir: true, chunkSizeWarningLimit: 2000 },
  logLevel: "warn",
});
