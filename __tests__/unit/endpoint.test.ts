import { resolveEndpointUrl } from '../../src/app/endpoint.js';

describe('resolveEndpointUrl (both shells)', () => {
  const env = { AWS_ENDPOINT_URL_S3: 'http://s3.local:9000', AWS_ENDPOINT_URL: 'http://all.local' };

  it('takes the shell setting, then AWS_ENDPOINT_URL_S3, then AWS_ENDPOINT_URL', () => {
    expect(resolveEndpointUrl('https://given.example', env)).toBe('https://given.example');
    expect(resolveEndpointUrl(undefined, env)).toBe('http://s3.local:9000');
    expect(resolveEndpointUrl('  ', { AWS_ENDPOINT_URL: 'http://all.local' })).toBe(
      'http://all.local',
    );
    expect(resolveEndpointUrl(undefined, {})).toBeUndefined();
  });

  it('ignores the variables as the SDKs do when told to', () => {
    expect(
      resolveEndpointUrl(undefined, { ...env, AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true' }),
    ).toBeUndefined();
  });
});
