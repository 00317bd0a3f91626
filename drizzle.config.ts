import { defineConfig } from 'drizzle-kit';

// Generates versioned SQL migrations from controller/db/schema.ts: `npx drizzle-kit generate`.
export default defineConfig({
  dialect: 'postgresql',
  schema: './controller/db/schema.ts',
  out: './controller/db/migrations',
});
