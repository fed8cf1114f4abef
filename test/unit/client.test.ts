import { retryAfterSeconds } from '../../src/kube/client.js';

describe('Retry-After', () => {
  test('429 always waits (1 s without the header); a 5xx only when the server says so; capped at 30 s', () => {
    expect(retryAfterSeconds(429, undefined)).toBe(1);
    expect(retryAfterSeconds(429, '5')).toBe(5);
    expect(retryAfterSeconds(429, '0')).toBe(1);
    expect(retryAfterSeconds(429, '3600')).toBe(30);
    expect(retryAfterSeconds(429, 'soon')).toBe(1);
    expect(retryAfterSeconds(503, '2')).toBe(2);
    expect(retryAfterSeconds(503, undefined)).toBeUndefined();
    expect(retryAfterSeconds(409, '2')).toBeUndefined();
    expect(retryAfterSeconds(200, '2')).toBeUndefined();
  });
});
