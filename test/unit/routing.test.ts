import { normalizeQuery } from '../../api/routing';

describe('normalizeQuery', () => {
  it('reads every array convention clients use', () => {
    expect(normalizeQuery({ 'tags[]': ['vip', 'active'] })).toEqual({ tags: ['vip', 'active'] });
    expect(normalizeQuery({ 'tags[0]': 'vip', 'tags[1]': 'active' })).toEqual({ tags: ['vip', 'active'] });
    expect(normalizeQuery({ tags: ['vip', 'active'] })).toEqual({ tags: ['vip', 'active'] });
    expect(normalizeQuery({ 'tags[]': 'vip' })).toEqual({ tags: ['vip'] });
  });

  it('keeps plain values as they are', () => {
    expect(normalizeQuery({ search: 'ada', page: '2', missing: undefined })).toEqual({ search: 'ada', page: '2' });
  });
});
