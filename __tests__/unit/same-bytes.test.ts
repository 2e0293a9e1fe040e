import { expectSameBytes } from '../helpers/same-bytes.js';

// The byte comparison the integration tests rely on must be able to fail.
describe('expectSameBytes', () => {
  it('passes on equal bytes and fails naming the first difference and both sizes', () => {
    expectSameBytes(Buffer.from('abc'), Buffer.from('abc'));
    expect(() => expectSameBytes(Buffer.from('abXd'), Buffer.from('abc'), 'f')).toThrow(
      /"firstDifferenceAt": 2[\s\S]*"size": 4/,
    );
    expect(() => expectSameBytes(Buffer.from('ab'), Buffer.from('abc'))).toThrow(/"size": 2/);
  });
});
