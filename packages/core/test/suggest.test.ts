import { describe, expect, it } from 'vitest';
import { didYouMean, suggest } from '../src/index.ts';

describe('did you mean', () => {
  const tools = ['read_text_file', 'read_media_file', 'read_multiple_files', 'write_file', 'list_directory', 'search_files'];

  it('offers the names a typo or a fragment is close to, nearest first', () => {
    expect(suggest('read_txt_file', tools)[0]).toBe('read_text_file');
    expect(suggest('list_dir', tools)).toContain('list_directory');
    expect(suggest('wirte_file', tools)).toEqual(['write_file']);
  });

  it('offers nothing for a name that is not close to any', () => {
    expect(suggest('nope', tools)).toEqual([]);
    expect(didYouMean('zzzzzz', tools)).toBe('');
    expect(suggest('', tools)).toEqual([]);
  });

  it('phrases one or several suggestions', () => {
    expect(didYouMean('wirte_file', tools)).toBe(' Did you mean "write_file"?');
    expect(didYouMean('read_file', ['read_files', 'reads_file'])).toMatch(/^ Did you mean "[^"]+" or "[^"]+"\?$/);
  });

  it('stays bounded on hostile input', () => {
    const many = Array.from({ length: 50_000 }, (_, i) => `tool_${'x'.repeat(1000)}_${i}`);
    expect(suggest('y'.repeat(100_000), many)).toEqual([]);
  });
});
