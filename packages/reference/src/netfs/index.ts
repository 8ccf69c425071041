// netfs extraction helpers (seeds 000 and 003): user iterator -> pinned BVEC, any iterator ->
// scatterlist, and (cifs smbdirect) iterator -> RDMA SGE list.
export * from './iterator.ts';
export * from './rdma.ts';
export * from './scatterlist.ts';
