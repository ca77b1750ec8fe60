import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// vite only reads a default export; this is the one place the named-exports rule gives way.
export default defineConfig({
  // The control plane serves the build under /ui (apps/control-plane/src/dashboard/static-assets.ts).
  base: '/ui/',
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, target: 'es2022' },
  // `pnpm --filter @modelplane/dashboard exec vite` proxies the API to a local control plane.
  server: {
    proxy: {
      '/trpc': 'http://127.0.0.1:7070',
      '/ui/session': 'http://127.0.0.1:7070',
    },
  },
});
