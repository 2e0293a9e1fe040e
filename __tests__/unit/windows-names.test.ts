// Names a stored key or tar entry may carry that Windows cannot hold as they are.
import { windowsNameProblem } from '../../src/adapters/windows-names.js';
import { DEFAULT_TAR_LIMITS, pathProblem } from '../../src/adapters/tar/reader.js';

test.each([
  ['a:b.zip', /character :/],
  ['what?.txt', /character \?/],
  ['a.zip.', /ends in a dot/],
  ['a.zip ', /ends in a dot or a space/],
  ['CON', /device name/],
  ['nul.txt', /device name/],
  ['Com1.tar.gz', /device name/],
  ['lpt9', /device name/],
])('refuses %j', (name, problem) => {
  expect(windowsNameProblem(name)).toMatch(problem);
});

test.each(['app.zip', 'console.log', 'con-1.txt', 'nul_', 'com10', '.hidden', 'a b.zip'])(
  'accepts %j',
  (name) => {
    expect(windowsNameProblem(name)).toBeUndefined();
  },
);

test('tar entries are checked part by part on Windows only, "." parts aside', () => {
  expect(pathProblem('./site/aux.js', DEFAULT_TAR_LIMITS, 'win32')).toMatch(/device name/);
  expect(pathProblem('./site/v1./x', DEFAULT_TAR_LIMITS, 'win32')).toMatch(/ends in a dot/);
  expect(pathProblem('./site/ok.js', DEFAULT_TAR_LIMITS, 'win32')).toBeUndefined();
  expect(pathProblem('./site/aux.js', DEFAULT_TAR_LIMITS, 'linux')).toBeUndefined();
});
