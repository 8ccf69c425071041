// Placeholder entry point; the command grows subcommands as the packages land.
console.error('pinlab: no subcommands yet');
process.exit(2);
