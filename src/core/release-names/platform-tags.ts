// Platform and runtime tags in file names: the parts that say what a build is for, not
// which release it is. Several hold digits (`ubuntu-22.04`, `node-20`, `cp312`, `x86_64`),
// and a digit run there must not be read as the release version.

/**
 * Words that a version of a runtime, OS or toolchain follows: `ubuntu-22.04`, `node20`,
 * `py3.12`, `cp312`, `manylinux_2_17`, `el9`, `fc40`, `macos-14`, `win64`.
 */
const RUNTIME_WORDS = [
  'ubuntu',
  'debian',
  'deb',
  'bpo',
  'alpine',
  'centos',
  'rhel',
  'rocky',
  'almalinux',
  'el',
  'fc',
  'fedora',
  'sles',
  'opensuse',
  'amzn',
  'macos',
  'macosx',
  'osx',
  'ios',
  'android',
  'windows',
  'win',
  'node',
  'nodejs',
  'electron',
  'py',
  'python',
  'cp',
  'pp',
  'abi3',
  'jdk',
  'jre',
  'java',
  'openjdk',
  'go',
  'golang',
  'ruby',
  'php',
  'perl',
  'lua',
  'erlang',
  'otp',
  'dotnet',
  'net',
  'netcoreapp',
  'cuda',
  'cu',
  'rocm',
  'glibc',
  'gcc',
  'clang',
  'llvm',
  'msvc',
  'vs',
  'qt',
  'gtk',
  'manylinux',
  'musllinux',
  'freebsd',
  'openbsd',
  'netbsd',
  'api',
  'sdk',
].join('|');

/** A runtime word and its version: a tag when the name has its own version elsewhere. */
export const RUNTIME_TAG = new RegExp(
  String.raw`(?<![a-z0-9])(?:${RUNTIME_WORDS})[-_.]?\d+(?:[._]\d+)*(?![a-z0-9])`,
  'g',
);

/**
 * Architectures with a digit run after a separator: always tags (`x86_64`, `linux_386`,
 * the x86-64 levels `x86_64_v3` and goreleaser's `amd64_v3`, its `arm_6`).
 */
export const ARCH_TAG =
  /(?<![a-z0-9])(?:(?:x86[-_]64|amd64)(?:[-_]v[1-4])?|(?:linux|windows|freebsd|openbsd|netbsd|darwin)[-_]386|arm[-_][5-7])(?![a-z0-9])/g;

/** Platform words that hold no separated digits, reported as tags (`arm64`, `musl`). */
export const PLATFORM_WORD =
  /(?<![a-z0-9])(?:linux|darwin|macos|mac|osx|windows|win|musl|gnu|gnueabihf|musleabihf|msvc|android|ios|freebsd|apple|amd64|arm64|aarch64|x64|x86|i[3-6]86|armhf|armel|armv\d+[a-z]*|ppc64le|s390x|riscv64|universal2?|noarch)(?![a-z0-9])/g;
