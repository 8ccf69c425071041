// bvecq (seed 004): segmented bio_vec chains, positions holding refs, and the netfs read and
// unbuffered-write machinery that drives load, dispatch and collect cursors over them.
export * from './chain.ts';
export * from './dio_write.ts';
export * from './extract.ts';
export * from './read.ts';
export * from './smb3_transform.ts';
