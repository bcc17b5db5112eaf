import { describe, expect, it } from 'vitest';
import { allowedMethods } from '../../src/entrypoints/api/allowed-methods.js';

describe('allowedMethods', () => {
  const routes = [
    { method: 'ALL', path: '/v1/*' },
    { method: 'GET', path: '/v1/things' },
    { method: 'POST', path: '/v1/things' },
    { method: 'GET', path: '/v1/things/:id' },
    { method: 'POST', path: '/v1/things/:id/pause' },
    { method: 'GET', path: '/files/*' },
    { method: 'GET', path: '/a.b' },
  ];

  it('lists the methods of every route matching the path, HEAD with GET, and never middleware', () => {
    expect(allowedMethods(routes, '/v1/things')).toEqual(['GET', 'HEAD', 'POST']);
    expect(allowedMethods(routes, '/v1/things/42')).toEqual(['GET', 'HEAD']);
    expect(allowedMethods(routes, '/v1/things/42/pause')).toEqual(['POST']);
    expect(allowedMethods(routes, '/files/x/y')).toEqual(['GET', 'HEAD']);
  });

  it('finds none for a path no route has: a parameter is one whole segment, literals are literal', () => {
    expect(allowedMethods(routes, '/v1/other')).toEqual([]);
    expect(allowedMethods(routes, '/v1/things/')).toEqual([]);
    expect(allowedMethods(routes, '/v1/things/a/b')).toEqual([]);
    expect(allowedMethods(routes, '/aXb')).toEqual([]);
  });
});
