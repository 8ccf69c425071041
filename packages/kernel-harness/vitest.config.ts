import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'kernel-harness',
    include: ['test/**/*.test.ts'],
  },
});
