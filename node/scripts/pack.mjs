// Packs the npm packages in napi-rs' multi-package layout (called by scripts/dist.sh):
//   agenticstar-<platform>-<v>.tgz  one per .node in --native, from npm/<platform>/package.json
//   agenticstar-<v>.tgz             the JS/TS package, with optionalDependencies on exactly the
//                                   platform packages packed here (its loader names them as the
//                                   supported list)
// Prints "<file>\t<target>" per tarball.
//   node scripts/pack.mjs --native DIR --out DIR --stage DIR
import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = resolve(fileURLToPath(new URL('..', import.meta.url)));
const repo = resolve(here, '..');
const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []),
);
for (const k of ['native', 'out', 'stage']) if (!args[k]) throw new Error(`missing --${k}`);
const pkg = JSON.parse(readFileSync(join(here, 'package.json'), 'utf8'));
const licenses = ['LICENSE-MIT', 'LICENSE-APACHE'];

function pack(dir) {
  const name = execFileSync('npm', ['pack', '--silent', '--pack-destination', resolve(args.out)], { cwd: dir })
    .toString()
    .trim()
    .split('\n')
    .pop();
  return name;
}

rmSync(args.stage, { recursive: true, force: true });
const built = [];
for (const file of readdirSync(args.native).filter((f) => f.endsWith('.node')).sort()) {
  const key = file.slice(`${pkg.napi.binaryName}.`.length, -'.node'.length);
  const dir = join(args.stage, key);
  mkdirSync(dir, { recursive: true });
  const meta = JSON.parse(readFileSync(join(here, 'npm', key, 'package.json'), 'utf8'));
  meta.files = [...meta.files, ...licenses];
  writeFileSync(join(dir, 'package.json'), JSON.stringify(meta, null, 2) + '\n');
  copyFileSync(join(here, 'npm', key, 'README.md'), join(dir, 'README.md'));
  copyFileSync(join(args.native, file), join(dir, file));
  for (const l of licenses) copyFileSync(join(repo, l), join(dir, l));
  const triple = pkg.napi.targets.find((t) => napiKey(t) === key) ?? key;
  console.log(`${pack(dir)}\t${triple}`);
  built.push(meta.name);
}

// The main package: what `files` lists, with the dev-only fields dropped.
const main = join(args.stage, 'agenticstar');
mkdirSync(join(main, 'native'), { recursive: true });
cpSync(join(here, 'dist'), join(main, 'dist'), { recursive: true, filter: (src) => !src.endsWith('.tsbuildinfo') });
for (const f of ['index.js', 'index.d.ts']) copyFileSync(join(here, 'native', f), join(main, 'native', f));
copyFileSync(join(here, 'README.md'), join(main, 'README.md'));
for (const l of licenses) copyFileSync(join(repo, l), join(main, l));
const { devDependencies: _dev, scripts: _scripts, ...published } = pkg;
published.optionalDependencies = Object.fromEntries(built.map((n) => [n, pkg.version]));
writeFileSync(join(main, 'package.json'), JSON.stringify(published, null, 2) + '\n');
console.log(`${pack(main)}\tany (JS; loads one of: ${built.join(', ')})`);

/** napi-rs' platform key of a Rust target triple. */
function napiKey(triple) {
  const [arch, , os, abi] = triple.split('-');
  const a = { x86_64: 'x64', aarch64: 'arm64', i686: 'ia32', armv7: 'arm' }[arch] ?? arch;
  if (os === 'darwin') return `darwin-${a}`;
  if (os === 'windows') return `win32-${a}-${abi}`;
  return `linux-${a}-${abi}`;
}
