import { defineProject } from 'vitest/config';

// The generated suites (pinlab gen). Files here are written by the generator; see README.md.
export default defineProject({
  test: {
    name: 'generated',
    include: ['**/*.test.ts'],
  },
});
