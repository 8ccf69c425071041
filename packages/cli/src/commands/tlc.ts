// `pinlab tlc install`: fill pinlab's cache with the pinned tla2tools.jar (downloaded, or copied
// from --from) after checking its SHA-256. Thin: the work is @pinlab/tla's installTlaTools.
import { installTlaTools, TLA2TOOLS_RELEASE, TlcInstallError } from '@pinlab/tla';
import { stringOption } from '../args.ts';
import { CliError, type Command, EXIT } from '../command.ts';

export const tlcInstallCommand: Command = {
  name: 'tlc install',
  summary: `Install TLC (tla2tools.jar ${TLA2TOOLS_RELEASE.version}) into pinlab's cache`,
  description: `Downloads ${TLA2TOOLS_RELEASE.url}
(or copies --from <file>), checks that its SHA-256 is ${TLA2TOOLS_RELEASE.sha256},
and stores it in $XDG_CACHE_HOME/pinlab (default ~/.cache/pinlab), where \`pinlab check --engine tlc\`
finds it. TLA2TOOLS_JAR=/path/to/tla2tools.jar overrides the cache. Needs a Java runtime to run.

Exit codes: 0 installed, 2 the file's checksum is wrong, 3 the download failed.`,
  options: {
    from: {
      type: 'string',
      valueName: 'file',
      description: 'Install this local copy instead of downloading',
    },
  },
  async run({ options }, io) {
    const from = stringOption(options.from, 'from');
    try {
      const r = await installTlaTools({ env: io.env, ...(from ? { from } : {}) });
      io.stdout(`installed ${r.path}\n  from ${r.source}\n  sha256 ${r.sha256}\n`);
      return EXIT.ok;
    } catch (error) {
      if (error instanceof TlcInstallError)
        throw new CliError(
          error.message,
          /cannot download|does not exist/.test(error.message) ? EXIT.missing : EXIT.usage,
        );
      throw error;
    }
  },
};
