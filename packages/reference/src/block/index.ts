// block: bios, a caller-completed block device, files on it, and O_DIRECT.
export * from './bio.ts';
export * from './blkdev.ts';
export * from './dio.ts';
export * from './dio_fork_race.ts';
export * from './fs.ts';
export * from './uring_buffered_read.ts';
