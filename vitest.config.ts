import { defineConfig } from 'vitest/config';

// One vitest run covers every package and the generated suites; each project keeps its own config.
export default defineConfig({
  test: {
    projects: ['packages/*', 'generated-tests'],
  },
});
