import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'testgen',
    include: ['test/**/*.test.ts'],
  },
});
