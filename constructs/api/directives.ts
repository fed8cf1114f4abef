/**
 * What `extraDirectives` may hold: the rules that keep an administrator's extra
 * lines from breaking the configuration the library renders.
 *
 * XRootD's components each read the whole file and take the lines meant for
 * them: a reader accepts `<its prefix>.<name>` (and a few `all.<name>`), strips
 * the prefix and dispatches on the name. So one setting has several spellings:
 * `cms.manager`, `olb.manager` and `odc.manager` do what `all.manager` does.
 * The spellings below come from the readers of 5.5.3 and of the current master
 * (the same in both): Xrd/XrdConfig.cc (`xrd.`, all.adminpath/pidpath/sitename),
 * XrdCms/XrdCmsConfig.cc (`cms.`, `olb.` "backward compatibility", all.export/
 * manager/role, oss.localroot), XrdCms/XrdCmsClientConfig.cc (`cms.`, `odc.`,
 * all.manager/adminpath, olb.adminpath), XrdOfs/XrdOfsConfig.cc (`ofs.`, all.role),
 * XrdOss/XrdOssConfig.cc (`oss.`, all.export), XrdXrootd/XrdXrootdConfig.cc
 * (`xrootd.`, all.export), XrdHttp/XrdHttpProtocol.cc (`http.`), and the plugins an
 * extra directive could load: XrdPss/XrdPssConfig.cc (`pss.`, all.export), XrdPfc/XrdPfcConfiguration.cc (`pfc.`),
 * XrdMacaroons/XrdMacaroonsConfigure.cc (`macaroons.`, all.sitename) and
 * XrdSsi/XrdSsiSfsConfig.cc (`ssi.`, all.role). (XrdFrm's daemons never run in these pods.)
 */

/** A directive's name, `component.name` (how XRootD's readers tell whose line it is). */
export const DIRECTIVE_NAME = /^[a-z]+\.[a-z0-9_]+$/;

/** Each directive the library renders, with every prefix under which some XRootD reader takes it. */
export const MANAGED_DIRECTIVE_SPELLINGS: Readonly<Record<string, readonly string[]>> = {
  adminpath: ['all', 'xrd', 'cms', 'olb', 'odc'],
  // cms.pidpath and xrootd.pidpath: older spellings that 5.x readers warn about and ignore.
  pidpath: ['all', 'xrd', 'cms', 'olb', 'xrootd'],
  sitename: ['all', 'xrd', 'macaroons'],
  export: ['all', 'cms', 'olb', 'oss', 'xrootd', 'pss'],
  manager: ['all', 'cms', 'olb', 'odc'],
  role: ['all', 'cms', 'olb', 'ofs', 'ssi'],
  localroot: ['oss', 'cms', 'olb'],
  delay: ['cms', 'olb'],
  fxhold: ['cms', 'olb'],
  space: ['cms', 'olb'],
  superport: ['cms', 'olb'],
  tpc: ['ofs'],
  maxfd: ['xrd'],
  network: ['xrd'],
  port: ['xrd'],
  protocol: ['xrd'],
  report: ['xrd'],
  exthandler: ['http'],
  // A cache cluster's proxy and file cache (spec.cache).
  osslib: ['ofs'],
  cachelib: ['pss'],
  origin: ['pss'],
  ram: ['pfc'],
  blocksize: ['pfc'],
  prefetch: ['pfc'],
  writequeue: ['pfc'],
  diskusage: ['pfc'],
  spaces: ['pfc'],
};

/** The spelling the library itself renders for each managed directive. */
export const MANAGED_DIRECTIVES: readonly string[] = Object.entries(MANAGED_DIRECTIVE_SPELLINGS).map(([name, prefixes]) => `${prefixes[0]}.${name}`);

/** Every spelling of every managed directive (`cms.manager`, `olb.role`, ...). */
export const MANAGED_SPELLINGS: readonly string[] = Object.entries(MANAGED_DIRECTIVE_SPELLINGS)
  .flatMap(([name, prefixes]) => prefixes.map((p) => `${p}.${name}`));

/**
 * Words of the configuration language itself (XrdOuc/XrdOucStream.cc): they change
 * which lines apply (`if`/`else`/`fi`), define variables (`set`, `setenv`) or read
 * another file (`continue`). The line rule already refuses them (no dot); kept for
 * a clearer message.
 */
const CONTROL_WORDS = ['if', 'else', 'fi', 'set', 'setenv', 'continue'];

/**
 * One directive on one line: `component.name`, then arguments with no control
 * character (XRootD ends a line at a newline or a NUL) and no backslash as the last
 * non-blank character (XRootD joins the next line to it: XrdOucStream::GetWord).
 * RE2 and JavaScript read it alike: it is the CRD's pattern too.
 */
export const DIRECTIVE_LINE = {
  regex: '^[a-z]+\\.[a-z0-9_]+([ \\t]+[^\\x00-\\x08\\x0a-\\x1f\\x7f\\x{85}\\x{2028}\\x{2029}]*[^\\x00-\\x20\\x7f\\x{85}\\x{2028}\\x{2029}\\\\])?[ \\t]*$',
  rule: 'must be one directive on one line (component.name followed by its arguments, no control characters or line separators, not ending in a backslash)',
} as const;

const escape = (s: string): string => s.replace(/\./g, '\\.');

/** Refuses a managed directive under any of its spellings, and the language's control words. */
export const NOT_MANAGED = {
  regex: `^(${[...Object.entries(MANAGED_DIRECTIVE_SPELLINGS).map(([name, prefixes]) => `(${prefixes.join('|')})\\.${name}`), ...CONTROL_WORDS.map(escape)].join('|')})([ \\t]|$)`,
  rule: `must not set a directive the library manages (${MANAGED_DIRECTIVES.join(', ')}), under any spelling XRootD accepts for it (such as cms.manager, olb.role or xrd.adminpath)`,
} as const;
