// The console's build (`make build`): console/ → dist/console/www, served by controller/http/console.ts.
// tsc type-checks these sources (console/tsconfig.json); Vite only bundles them.
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  plugins: [react()],
  build: {
    outDir: '../dist/console/www',
    emptyOutDir: true,
    assetsDir: 'assets',
    // No data: URIs for images or fonts: every asset is a hashed file the CSP allows as 'self'.
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 1500,
  },
});
