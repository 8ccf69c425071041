// block layer: bios and O_DIRECT.
export {};
