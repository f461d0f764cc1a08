// Loads the native addon (copied to native/index.js by `npm run build:native`; replaces napi's
// generated loader, whose failure message blames npm). The addon comes from a local build
// (native/agenticstar.<platform>.node) or from the per-platform package agenticstar-<platform>
// that npm installs from optionalDependencies. The supported platforms are exactly those
// optionalDependencies, so an unsupported one is named as such, with the list.
'use strict';

const { existsSync, readFileSync } = require('node:fs');
const { join } = require('node:path');

function isMusl() {
  if (process.platform !== 'linux') return false;
  try {
    // glibc reports its version here; musl does not.
    return !process.report.getReport().header.glibcVersionRuntime;
  } catch {
    try {
      return readFileSync('/usr/bin/ldd', 'utf8').includes('musl');
    } catch {
      return false;
    }
  }
}

/** napi-rs' platform key: linux-x64-gnu, linux-x64-musl, darwin-arm64, win32-x64-msvc, ... */
function platformKey() {
  const { platform, arch } = process;
  if (platform === 'linux') return `linux-${arch}-${isMusl() ? 'musl' : 'gnu'}`;
  if (platform === 'win32') return `win32-${arch}-msvc`;
  return `${platform}-${arch}`;
}

function supported() {
  try {
    const pkg = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8'));
    const prefix = `${pkg.name}-`;
    return Object.keys(pkg.optionalDependencies || {})
      .filter((n) => n.startsWith(prefix))
      .map((n) => n.slice(prefix.length));
  } catch {
    return [];
  }
}

function load() {
  const key = platformKey();
  const local = join(__dirname, `agenticstar.${key}.node`);
  if (existsSync(local)) return require(local);
  const list = supported();
  const pkgName = `agenticstar-${key}`;
  try {
    return require(pkgName);
  } catch (e) {
    const notFound = e && e.code === 'MODULE_NOT_FOUND' && String(e.message).includes(pkgName);
    if (!notFound) throw e; // the addon is there but failed to load: that error says why
    const names = list.join(', ');
    const msg = !list.length
      ? `agenticstar: no native addon for ${key}: ${local} is missing (a source checkout: npm run build:debug)`
      : list.includes(key)
      ? `agenticstar: the native package ${pkgName} for this platform (${key}) is not installed. ` +
        `It is an optional dependency of agenticstar: reinstall without --no-optional/--omit=optional, ` +
        `or add it: npm install ${pkgName}. Supported platforms: ${names}.`
      : `agenticstar: this platform is not supported: ${key} (platform ${process.platform}, ` +
        `arch ${process.arch}). Supported platforms: ${names}.`;
    const err = new Error(msg, { cause: e });
    err.code = list.includes(key) ? 'AGENTICSTAR_NATIVE_MISSING' : 'AGENTICSTAR_UNSUPPORTED_PLATFORM';
    throw err;
  }
}

module.exports = load();
