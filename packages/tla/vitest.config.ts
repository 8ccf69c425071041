import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'tla',
    include: ['test/**/*.test.ts'],
  },
});
