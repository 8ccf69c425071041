#!/usr/bin/env node
// pinlab runs from its TypeScript sources: tsx compiles them on load, so a fresh clone needs no
// build step between `npm ci` and the first command.
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
