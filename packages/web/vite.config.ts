import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The server serves dist/ on the API's own port, so the app calls /api on its origin; in
// development the Vite server forwards /api to a running AetherBoard instead.
export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
  },
  server: {
    proxy: { '/api': { target: process.env.AETHERBOARD_URL ?? 'http://127.0.0.1:7070', changeOrigin: true } },
  },
});
