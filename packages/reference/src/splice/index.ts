// splice: pipes, vmsplice and splice_read.
export {};
