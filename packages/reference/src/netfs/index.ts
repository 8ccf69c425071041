// netfs extraction helpers (seeds 000 and 003): user iterator -> pinned BVEC, any iterator ->
// scatterlist, and (cifs smbdirect) iterator -> RDMA SGE list; netfs_read_gaps()'s unpinned buffer.
export * from './iterator.ts';
export * from './rdma.ts';
export * from './read_gaps.ts';
export * from './scatterlist.ts';
